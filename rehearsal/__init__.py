"""A local rehearsal of the whole deploy: the synthesized template played against the Personalize
emulator and moto's SSM, with CloudFormation's create / update / rollback / delete semantics and
the Provider framework's protocol, on a virtual clock."""
