"""ipywidgets panels: ``App()`` for everything in one tabbed panel, or each panel on its own.

Importing this module imports ipywidgets and pandas; the core never does.
"""

from .app import App as App
from .panels import Inspector as Inspector
from .panels import KeyPanel as KeyPanel
from .panels import PolicyBuilder as PolicyBuilder
from .panels import SignerPanel as SignerPanel
from .panels import StageStepper as StageStepper
