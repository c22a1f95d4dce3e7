"""Importers: other formats (FollowTheMoney JSON lines; supplier CSV next) into a dataset in our contract."""
