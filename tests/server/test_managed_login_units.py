"""The pure parts of managed login's management: which pool a hosted request's host names
(``domains.find_domain``, used by the hosted endpoints) and which CSS may go into the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from userpool.server import errors
from userpool.server.db import UserPool, UserPoolDomain, make_engine
from userpool.server.migrations import upgrade
from userpool.server.ops.domains import find_domain
from userpool.server.ops.ui_customization import check_css


@pytest.fixture
def db(tmp_path: Path) -> Session:
    engine = make_engine(f"sqlite:///{tmp_path / 'u.db'}")
    upgrade(engine)
    session = Session(engine)
    session.add(UserPool(id="us-east-1_Pool1", name="p", region="us-east-1", created_at=0, modified_at=0, config={}))
    for name, custom in (("shop", False), ("auth.shop.example.com", True)):
        session.add(UserPoolDomain(domain=name, pool_id="us-east-1_Pool1", custom=custom, cloudfront_distribution="h",
                                   managed_login_version=1, version="v", status="ACTIVE", created_at=0, modified_at=0))
    session.commit()
    return session


@pytest.mark.parametrize(
    ("host", "found"),
    [
        ("shop.auth.us-east-1.amazoncognito.com", "shop"),
        ("shop.auth.us-east-1.amazoncognito.com:443", "shop"),
        ("SHOP.localhost:9229", "shop"),
        ("auth.shop.example.com", "auth.shop.example.com"),
        ("Auth.Shop.Example.com:8443", "auth.shop.example.com"),
        ("shop", "shop"),
        ("other.auth.us-east-1.amazoncognito.com", None),
        ("x.auth.shop.example.com", None),  # the first label of a host never names a custom domain
        ("[::1]:9229", None),
        ("", None),
    ],
)
def test_find_domain_by_host(db: Session, host: str, found: str | None) -> None:
    row = find_domain(db, host)
    assert (row.domain if row else None) == found


@pytest.mark.parametrize(
    "css",
    [
        ".submitButton-customizable { background-color: #0a7; }",
        "/* brand */ .label-customizable{color:red}\n.banner-customizable , .logo-customizable { margin: 0 }",
        ".idpButton-customizable:hover { opacity: .9 }",
    ],
)
def test_allowed_css(css: str) -> None:
    check_css(css)


@pytest.mark.parametrize(
    "css",
    [
        "a { color: red }",
        ".label-customizable { color: red } }",
        ".label-customizable { color: red } x",
        ".label-customizable:before { content: 'x' }",
        ".label-customizable { color: expression(alert(1)) }",
        ".label-customizable { background: URL (x) }",
        ".label-customizable { color: red }</style>",
    ],
)
def test_refused_css(css: str) -> None:
    with pytest.raises(errors.CognitoError):
        check_css(css)
