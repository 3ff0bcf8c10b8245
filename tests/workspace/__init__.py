"""Tests of the admin domain's services called directly (a controllable clock), on both backends."""
