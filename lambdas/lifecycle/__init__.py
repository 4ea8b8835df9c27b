"""Shared custom-resource machinery: the CloudFormation event view, pure decisions and the
create/wait/lookup/delete engine that the filter and event-tracker handlers both use."""
