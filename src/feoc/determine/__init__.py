"""The fixed-point determination of FEOC and prohibited-foreign-entity status, per regime."""
