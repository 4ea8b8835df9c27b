"""The CDK side: config -> constructs -> stacks. app.py composes them."""
