"""Delivery to holders' wallets: OpenID4VCI (``oid4vci``), VC-API exchanges (``vcapi``) and
the holder page's capability links (``holder_page``), over an ``Issuer``; ``sessions``
holds what they share. The holder's own side is ``vcissue.holder``."""

from .oid4vci import PRE_AUTHORIZED_GRANT, Offer, Openid4vci, configuration_id
from .sessions import WalletSettings

__all__ = ["PRE_AUTHORIZED_GRANT", "Offer", "Openid4vci", "WalletSettings", "configuration_id"]
