"""A fast, faithful simulator of authentik's REST API for user-source connections and sources.

>>> from authentik_etl.simulator import Dataset, Faults, Simulator
>>> with Simulator(Dataset.generate(connections=84, shape="2025.12", seed=1), token="t") as sim:
...     ...  # GET sim.url + "/api/v3/sources/user_connections/all/" with "Bearer t"
"""

from .data import Dataset
from .faults import Faults
from .scopes import Scope
from .server import Simulator
from .shapes import DEFAULT_SHAPE, SHAPES

__all__ = ["DEFAULT_SHAPE", "SHAPES", "Dataset", "Faults", "Scope", "Simulator"]
