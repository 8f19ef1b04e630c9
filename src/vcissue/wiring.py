"""The one place a deployment is put together: settings -> store, keys, publisher -> Issuer.

The CLI, the service, the demo and the benchmarks all call ``build_issuer``; time and
randomness come in as arguments (``vcissue.system`` has the real ones).
"""

from __future__ import annotations

from collections.abc import Callable

from .brand import Brand
from .files import DirectoryPublisher, NoPublisher
from .issuer import Issuer
from .issuer.core import Body
from .keystore import KeyStore
from .model.scheme import DEFAULT_BODY
from .notify.delivery import Deliverer
from .notify.worker import Worker
from .ports import Clock, ListPublisher, RandomSource
from .settings import Settings
from .store import Store, open_store
from .verify import TrustList
from .wallet.holder_page import HolderLinks

__all__ = [
    "body_keystores",
    "brand_for",
    "build_issuer",
    "build_worker",
    "deployment_trust",
    "open_deployment_store",
    "publisher_for",
]


def body_keystores(settings: Settings) -> dict[str, KeyStore]:
    """The key directory of every awarding body of the deployment, its own (``default``)
    first: each keyring holds the body's DID and name."""
    return {body: KeyStore(directory) for body, directory in settings.body_key_dirs().items()}


def brand_for(settings: Settings, issuer: object) -> Brand:
    """The [brand] for a certificate whose issuer DID is ``issuer``: the deployment's own
    body's; a certificate of another awarding body carries none of it (no logo, signatory
    or accreditation of another body: its name comes from the credential's issuer)."""
    others = {keys.did for body, keys in body_keystores(settings).items() if body != DEFAULT_BODY}
    return Brand() if issuer in others else settings.brand()


def deployment_trust(settings: Settings) -> TrustList:
    """A trust list naming every awarding body of the deployment, with its DID document."""
    return TrustList.of(*(keys.trusted_issuer() for keys in body_keystores(settings).values()))


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
    bodies = {}
    for body, keys in body_keystores(settings).items():
        key = None if passphrase is None else keys.signer(passphrase, clock)
        bodies[body] = Body(keys.issuer_profile(), key)
    own = bodies.pop(DEFAULT_BODY)
    opened = store if store is not None else open_deployment_store(settings)
    try:
        return Issuer(
            opened,
            own.key,
            own.profile,
            settings.qualifications(),
            settings.issuer_settings(),
            clock=clock,
            rng=rng,
            publisher=publisher if publisher is not None else publisher_for(settings),
            bodies=bodies,
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
        signatures={  # each qualification's notices signed off by its awarding body
            q.id: issuer.body(q.body).profile.name for q in issuer.qualifications.values()
        },
        holder_page=holder_page,
    )
    return Worker(
        deliverer,
        clock=clock,
        lifecycle=issuer.run_lifecycle if issuer.signs else None,
        schedule_every=settings.notify.schedule_every,
        log=log,
    )
