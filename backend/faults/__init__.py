"""Network faults on the backend → gateway and kiosk → fleet server links, injected as real socket behaviour."""

from backend.faults.model import FaultConfig, FaultMode, FaultRecord
from backend.faults.proxy import FaultProxy

__all__ = ["FaultConfig", "FaultMode", "FaultProxy", "FaultRecord"]
