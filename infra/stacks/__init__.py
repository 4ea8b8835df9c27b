from .activation_stack import ActivationStack
from .pipeline_stack import ActivationStage, PipelineStack

__all__ = ["ActivationStack", "ActivationStage", "PipelineStack"]
