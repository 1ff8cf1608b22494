from risk.models.matrix import RiskCriteria, RiskMatrix
from risk.models.register import Risk, RiskAcceptance, TreatmentAction

__all__ = ["Risk", "RiskAcceptance", "RiskCriteria", "RiskMatrix", "TreatmentAction"]
