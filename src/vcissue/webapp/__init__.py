"""The standalone verifier page (built from ``verifier_web/``) and the bundles made from it."""
