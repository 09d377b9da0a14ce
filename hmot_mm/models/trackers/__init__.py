from .motion_proposal_tracker import MotionProposalTracker

__all__ = ['MotionProposalTracker']
