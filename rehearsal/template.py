"""Reading a synthesized template: dependencies, intrinsic functions, and which handler serves
which custom resource."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NoValue": None,
}
SKIPPED_TYPES = {"AWS::CDK::Metadata"}


def resources(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] not in SKIPPED_TYPES}


def dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """Ref, Fn::GetAtt, Fn::Sub references and DependsOn, between the template's own resources."""
    known = set(resources(template))

    def refs(node: Any) -> set[str]:
        if isinstance(node, dict):
            found: set[str] = set()
            for key, value in node.items():
                if key == "Ref" and value in known:
                    found.add(value)
                elif key == "Fn::GetAtt":
                    found.add(value[0] if isinstance(value, list) else value.split(".")[0])
                elif key == "Fn::Sub":
                    text = value if isinstance(value, str) else value[0]
                    found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)} & known
                found |= refs(value)
            return found
        if isinstance(node, list):
            return set().union(*(refs(v) for v in node)) if node else set()
        return set()

    out = {}
    for logical_id, resource in resources(template).items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        out[logical_id] = (refs(resource.get("Properties", {})) | set(depends_on)) & known
    return out


def resolve(node: Any, ref: Callable[[str], Any], get_att: Callable[[str, str], Any], stack_id: str) -> Any:
    """Evaluate the intrinsic functions the CDK emits here (Ref, GetAtt, Join, Sub, Select, Split)."""

    def go(n: Any) -> Any:
        if isinstance(n, list):
            return [go(v) for v in n]
        if not isinstance(n, dict):
            return n
        if len(n) == 1:
            (key, value), = n.items()
            if key == "Ref":
                if value == "AWS::StackId":
                    return stack_id
                if value == "AWS::StackName":
                    return stack_id.split("/")[1]
                return PSEUDO[value] if value in PSEUDO else ref(value)
            if key == "Fn::GetAtt":
                logical_id, attribute = value if isinstance(value, list) else value.split(".", 1)
                return get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, parts = value
                return separator.join(str(go(p)) for p in go(parts))
            if key == "Fn::Select":
                index, items = value
                return go(items)[int(go(index))]
            if key == "Fn::Split":
                separator, text = value
                return str(go(text)).split(separator)
            if key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else (value[0], go(value[1]))

                def substitute(match: re.Match) -> str:
                    name = match.group(1)
                    if name in variables:
                        return str(variables[name])
                    if "." in name:
                        return str(get_att(*name.split(".", 1)))
                    return str(go({"Ref": name}))

                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        return {k: go(v) for k, v in n.items()}

    return go(node)


@dataclass(frozen=True)
class Handler:
    """A custom resource's user handlers, found through the Provider framework's environment."""

    on_event: str  # module.function, e.g. personalize_filter.handler.on_event
    is_complete: str | None
    environment: dict[str, str]


def handlers(template: Mapping[str, Any]) -> dict[str, Handler]:
    """Framework onEvent function logical id -> the user handlers it invokes."""
    functions = {k: r for k, r in resources(template).items() if r["Type"] == "AWS::Lambda::Function"}
    out = {}
    for logical_id, function in functions.items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        user = variables.get("USER_ON_EVENT_FUNCTION_ARN")
        if not user:
            continue
        on_event = functions[user["Fn::GetAtt"][0]]["Properties"]
        complete = variables.get("USER_IS_COMPLETE_FUNCTION_ARN")
        out[logical_id] = Handler(
            on_event=on_event["Handler"],
            is_complete=functions[complete["Fn::GetAtt"][0]]["Properties"]["Handler"] if complete else None,
            environment={k: str(v) for k, v in on_event.get("Environment", {}).get("Variables", {}).items()},
        )
    return out
