"""Ingest: report files -> cleaned text -> report metadata -> chunks. Imports no other stage."""
