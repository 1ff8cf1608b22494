from risk.models.matrix import RiskCriteria, RiskMatrix
from risk.models.register import AcceptanceRequest, Risk, RiskAcceptance, TreatmentAction

__all__ = [
    "AcceptanceRequest",
    "Risk",
    "RiskAcceptance",
    "RiskCriteria",
    "RiskMatrix",
    "TreatmentAction",
]
