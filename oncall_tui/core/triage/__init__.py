"""Triage: which failing component is the probable cause of the others."""
