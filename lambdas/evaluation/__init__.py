"""The post-deploy evaluation: the Lab 4 checks against the live recommenders, campaigns and filters."""
