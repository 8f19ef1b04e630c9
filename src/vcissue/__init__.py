"""vcissue: certificates as W3C Verifiable Credentials."""

__version__ = "0.1.0"
