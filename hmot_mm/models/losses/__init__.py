from .ihoim_loss import iHOIMLoss
from .memory_bank import MemoryBankLoss
from .oim_loss import OIMLoss

__all__ = ['iHOIMLoss', 'OIMLoss', 'MemoryBankLoss']
