"""One construct per resource kind; providers are shared per stack."""
from .event_tracker import EventTracker
from .filter import PersonalizeFilter
from .provider import ProviderSettings, ResourceProvider
from .ssm_parameter import SsmParameterWriter

__all__ = ["EventTracker", "PersonalizeFilter", "ProviderSettings", "ResourceProvider", "SsmParameterWriter"]
