"""The URNs of the frameworks the platform ships (``library/frameworks/``), named once.

Code that reads a shipped framework's rows names it by one of these; the library tests check
that each names a framework file of the library."""

ISO_42001 = "urn:aims:framework:iso-iec-42001"
METI_GUIDELINES = "urn:aims:framework:meti-ai-guidelines"
METI_RISK_EXAMPLES = "urn:aims:framework:meti-risk-examples"
AISI_PERSPECTIVES = "urn:aims:framework:aisi-evaluation-perspectives"
AI_RISK_CATEGORIES = "urn:aims:framework:taxonomy-ai-risk-categories"
AFFECTED_PARTIES = "urn:aims:framework:taxonomy-affected-parties"
IMPACT_AREAS = "urn:aims:framework:taxonomy-impact-areas"

SHIPPED = (
    ISO_42001,
    METI_GUIDELINES,
    METI_RISK_EXAMPLES,
    AISI_PERSPECTIVES,
    AI_RISK_CATEGORIES,
    AFFECTED_PARTIES,
    IMPACT_AREAS,
)
