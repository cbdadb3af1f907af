"""Credit model training pipeline: binning, scorecard + forest blend, evaluation, model card."""
