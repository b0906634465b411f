"""ipywidgets panels: ``App()`` for everything in one tabbed panel, or each panel on its own.

Importing this package imports ipywidgets (the core never does); without it installed the import
fails with one line naming ``pip install "cfsign-nb[widgets]"``.
"""

from ..extras import require

require("widgets", needed_for="the notebook panels (cfsign_nb.widgets)")

from .app import App  # noqa: E402  (after the check, so a missing ipywidgets is one clear error)
from .inspector import Inspector  # noqa: E402
from .key_panel import KeyPanel  # noqa: E402
from .policy_builder import PolicyBuilder  # noqa: E402
from .signer_panel import SignerPanel  # noqa: E402
from .stepper import StageStepper  # noqa: E402

__all__ = ["App", "Inspector", "KeyPanel", "PolicyBuilder", "SignerPanel", "StageStepper"]
