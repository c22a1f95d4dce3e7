"""feoc: checks suppliers and EV batteries against the U.S. foreign entity of concern (FEOC) rules."""

__version__ = "0.1.0"
