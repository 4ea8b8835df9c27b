"""A local rehearsal of the whole deploy: the synthesized template played against the Personalize
emulator and moto's SSM, with CloudFormation's create / update / rollback / delete semantics and
the Provider framework's protocol, on a virtual clock."""

import sys as _sys
from pathlib import Path as _Path

# `python -m rehearsal` from the project root: the handlers live in lambdas/ as they do in Lambda.
for _folder in (_Path(__file__).resolve().parent.parent, _Path(__file__).resolve().parent.parent / "lambdas"):
    if str(_folder) not in _sys.path:
        _sys.path.append(str(_folder))
