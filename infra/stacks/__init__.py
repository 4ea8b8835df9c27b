from .activation_stack import ActivationStack

__all__ = ["ActivationStack"]
