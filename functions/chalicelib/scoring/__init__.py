"""The credit model at run time: the scorer, the inputs it scored, and their drift."""
