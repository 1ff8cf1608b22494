from risk.models.matrix import RiskCriteria, RiskMatrix
from risk.models.register import AcceptanceRequest, Risk, RiskAcceptance, TreatmentAction
from risk.models.summary import RiskCellCount, RiskReviewCount

__all__ = [
    "AcceptanceRequest",
    "Risk",
    "RiskAcceptance",
    "RiskCellCount",
    "RiskCriteria",
    "RiskMatrix",
    "RiskReviewCount",
    "TreatmentAction",
]
