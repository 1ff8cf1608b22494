from controls.models.controls import Control, ControlRequirement, ControlTest
from controls.models.evidence import Evidence, EvidenceLink, EvidenceVersion, IdempotentRequest
from controls.models.soa import ApplicabilityStatement, SoaCheckWaiver, StatementOfApplicability

__all__ = [
    "ApplicabilityStatement",
    "Control",
    "ControlRequirement",
    "ControlTest",
    "Evidence",
    "EvidenceLink",
    "EvidenceVersion",
    "IdempotentRequest",
    "SoaCheckWaiver",
    "StatementOfApplicability",
]
