from impact.models.assessment import ImpactAssessment, ImpactEntry

__all__ = ["ImpactAssessment", "ImpactEntry"]
