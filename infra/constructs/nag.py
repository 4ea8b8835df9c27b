"""cdk-nag 3 acknowledgements, each on the narrowest construct and for one exact finding."""
from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def finding_text(stack: Stack, value: str) -> str:
    """Render a (possibly tokenised) string the way cdk-nag names it in a finding id:
    Ref X -> <X>, Fn::GetAtt [A, B] -> <A.B>, Fn::Join concatenated."""

    def render(node: Any) -> str:
        if isinstance(node, str):
            return node
        if isinstance(node, dict) and "Ref" in node:
            return f"<{node['Ref']}>"
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            return "<" + ".".join(node["Fn::GetAtt"]) + ">"
        if isinstance(node, dict) and "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(render(p) for p in parts)
        raise ValueError(f"cannot render {node!r} as a cdk-nag finding")

    return render(stack.resolve(value))


def acknowledge_wildcard_resource(scope: IConstruct, resource: str, reason: str) -> None:
    stack = Stack.of(scope)
    acknowledge(scope, f"AwsSolutions::AwsSolutions-IAM5[Resource::{finding_text(stack, resource)}]", reason)


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
