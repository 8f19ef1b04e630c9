"""The one place a deployment is put together: settings -> store, keys, publisher -> Issuer.

The CLI, the service, the demo and the benchmarks all call ``build_issuer``; time and
randomness come in as arguments (``vcissue.system`` has the real ones).
"""

from __future__ import annotations

from collections.abc import Callable

from .files import DirectoryPublisher, NoPublisher
from .issuer import Issuer
from .keystore import KeyStore
from .notify.delivery import Deliverer
from .notify.worker import Worker
from .ports import Clock, ListPublisher, RandomSource
from .settings import Settings
from .store import Store, open_store
from .wallet.holder_page import HolderLinks

__all__ = ["build_issuer", "build_worker", "open_deployment_store", "publisher_for"]


def open_deployment_store(settings: Settings, *, create: bool = False) -> Store:
    """The deployment's store. Only ``vcissue init`` (``create=True``) makes a new one:
    a mistyped path or a command run in the wrong directory must not answer from an
    empty store it has just created."""
    return open_store(settings.store_url, create=create)


def publisher_for(settings: Settings) -> ListPublisher:
    if settings.publish_dir is None:
        return NoPublisher()
    return DirectoryPublisher(settings.publish_dir, settings.status_base_url)


def build_issuer(
    settings: Settings,
    passphrase: bytes | None,
    *,
    clock: Clock,
    rng: RandomSource,
    store: Store | None = None,
    publisher: ListPublisher | None = None,
) -> Issuer:
    """An ``Issuer`` over the deployment; ``passphrase`` None opens it read-only.

    ``store``/``publisher`` replace the configured ones (tests, the service).
    """
    keys = KeyStore(settings.keys_dir)
    key = None if passphrase is None else keys.signer(passphrase, clock)
    opened = store if store is not None else open_deployment_store(settings)
    try:
        return Issuer(
            opened,
            key,
            keys.issuer_profile(),
            settings.qualifications(),
            settings.issuer_settings(),
            clock=clock,
            rng=rng,
            publisher=publisher if publisher is not None else publisher_for(settings),
        )
    except BaseException:
        if store is None:
            opened.close()
        raise


def build_worker(
    settings: Settings,
    issuer: Issuer,
    *,
    clock: Clock,
    rng: RandomSource,
    log: Callable[[str], None] = print,
) -> Worker:
    """The notices worker over ``issuer``'s store: delivery by ``settings.notify``, and the
    lifecycle run when the issuer can sign (it renews lists), with the reminders. With a
    service URL, holders' e-mails carry a new holder page link (``rng`` draws its secret)."""
    holder_page = None
    if settings.base_url or settings.wallet_issuer_url:  # the service serves holder pages
        links = HolderLinks(issuer, settings.wallet_settings(), rng=rng)

        def holder_page(credential_id: str) -> str:
            return links.create(credential_id, actor="system:notify").url

    deliverer = Deliverer(
        issuer.store,
        settings.notify,
        clock=clock,
        body_name=issuer.profile.name,
        titles={q.id: q.title for q in issuer.qualifications.values()},
        holder_page=holder_page,
    )
    return Worker(
        deliverer,
        clock=clock,
        lifecycle=issuer.run_lifecycle if issuer.signs else None,
        schedule_every=settings.notify.schedule_every,
        log=log,
    )
