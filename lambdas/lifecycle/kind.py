"""What every Personalize resource kind shares: the client and the tag look-up."""
from __future__ import annotations

from . import aws


class PersonalizeKind:
    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        return self._client or aws.personalize()

    def tags(self, arn: str) -> dict[str, str]:
        try:
            response = self.client.list_tags_for_resource(resourceArn=arn)
        except self.client.exceptions.ResourceNotFoundException:
            return {}
        return {t["tagKey"]: t["tagValue"] for t in response.get("tags", [])}

    @staticmethod
    def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
        return [{"tagKey": k, "tagValue": v} for k, v in tags.items()]

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        self.client.tag_resource(resourceArn=arn, tags=self.tag_list(tags))
