"""Who is asking: client tokens, the clients CLI, JWTs of an identity provider, and the local
developer of HUB_AUTH=auto."""

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.auth import Unauthenticated, clients
from hub.auth.authenticate import Authenticator
from hub.auth.clients import ClientDirectory
from hub.read.changes import of_records
from tests.conftest import make_settings, register
from tests.harness import RunningHub, hub_command, serve_beside

WHO = "{ serverInfo { hubVersion } }"
UPSERT = """
mutation($system: String!, $key: String!) {
  upsertBusinessPartner(input: {source: {system: $system, key: $key}, kind: PERSON,
                                lastName: "Token"}) {
    created userErrors { field code }
  }
}
"""


def _env(hub: RunningHub) -> dict[str, str]:
    return {"HUB_DATA_DIR": str(hub.services.settings.data_dir), "HUB_AUTH": "required"}


def test_a_request_without_a_token_is_refused_with_401_and_a_challenge(
    secured: RunningHub,
) -> None:
    response = secured.post(WHO)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Authorization: Bearer" in error["message"]


def test_a_registered_clients_token_lets_it_in(secured: RunningHub) -> None:
    token = register(secured, "read")
    response = secured.post(WHO, token=token)
    assert response.status_code == 200
    assert response.json()["data"]["serverInfo"]["hubVersion"]


def test_a_client_registered_since_the_last_look_at_the_marker_is_known_at_once(
    secured: RunningHub, tmp_path: Path
) -> None:
    # The clock stands still: every look at the marker was "a moment ago".
    directory = ClientDirectory(tmp_path, refresh_seconds=3600, clock=lambda: 100.0)

    def registered() -> str:
        name = f"client-{uuid.uuid4().hex[:10]}"
        now = dt.datetime.now(dt.UTC)
        token: str = secured.run(clients.add(secured.store, name, None, ["read"], now))
        clients.mark_changed(tmp_path)
        return token

    first = registered()
    for _ in range(2):  # read, then found with a look at the marker
        assert secured.run(directory.find(secured.store, first)) is not None
    second = registered()
    assert secured.run(directory.find(secured.store, second)) is not None
    assert secured.run(directory.find(secured.store, "hub_never-given")) is None


@pytest.mark.parametrize(
    "authorization",
    ["Bearer hub_not-a-token-anyone-was-given", "Basic dXNlcjpwYXNz", "Bearer", "Token abc"],
)
def test_an_unknown_or_malformed_token_is_refused(secured: RunningHub, authorization: str) -> None:
    response = secured.post(WHO, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_files_need_a_token_too(secured: RunningHub) -> None:
    with secured.client() as client:
        assert client.get("/files/" + "0" * 64).status_code == 401


def test_clients_are_added_listed_and_revoked_with_the_cli_while_the_hub_runs(
    secured: RunningHub, unique: str, tmp_path: Path
) -> None:
    name = f"crm-sync-{unique.lower()}"
    added = hub_command(
        "clients", "add", name, "--system", "crm", "--scope", "read", "--scope", "write",
        env=_env(secured), cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = added.stdout.splitlines()[-1]
    assert token.startswith("hub_") and " " not in token
    stored = secured.run(secured.store.query("MATCH (c:ApiClient) RETURN c {.*} AS c"))
    assert token not in json.dumps(stored, default=str), "only the token's hash is stored"

    created = secured.graphql(UPSERT, {"system": "CRM", "key": f"CLI-{unique}"}, token=token)
    assert created["data"]["upsertBusinessPartner"] == {"created": True, "userErrors": []}

    deadline = time.monotonic() + 10
    while True:  # the first use of a token is recorded in the background
        listed = hub_command("clients", "list", env=_env(secured), cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        (row,) = [line.split() for line in listed.stdout.splitlines() if line.startswith(name)]
        if row[5] != "-" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    # NAME SYSTEM SCOPES CREATED(date time) LAST USED(date time) STATUS
    assert row[:4] == [name, "CRM", "read,write", today]
    assert row[5] == today and row[-1] == "active"

    revoked = hub_command("clients", "revoke", name, env=_env(secured), cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    refused = secured.post(WHO, token=token)
    assert refused.status_code == 401, "a revocation applies to the very next request"
    listed = hub_command("clients", "list", env=_env(secured), cwd=tmp_path)
    (line,) = [line for line in listed.stdout.splitlines() if line.startswith(name)]
    assert f"revoked {today}" in line


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["add", "bad name!", "--scope", "read"], "not a client name"),
        (["add", "writer-without-system", "--scope", "write"], "needs --system"),
        (["add", "no-scope"], "--scope"),
        (["add", "odd-scope", "--scope", "everything"], "everything"),
        (["revoke", "nobody-is-called-this"], "no client is named"),
    ],
)
def test_the_clients_cli_says_what_is_wrong(
    secured: RunningHub, tmp_path: Path, args: list[str], phrase: str
) -> None:
    result = hub_command("clients", *args, env=_env(secured), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("hub: error: ") and phrase in result.stderr
    assert "Traceback" not in result.stderr


def test_a_client_name_is_never_given_twice(
    secured: RunningHub, tmp_path: Path, unique: str
) -> None:
    name = f"twice-{unique.lower()}"
    first = hub_command("clients", "add", name, "--scope", "read", env=_env(secured), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = hub_command("clients", "add", name, "--scope", "read", env=_env(secured), cwd=tmp_path)
    assert second.returncode == 1 and "exists already" in second.stderr


# ---- HUB_AUTH=auto ------------------------------------------------------------------------


def test_the_local_developer_needs_no_token_while_no_client_exists(hub: RunningHub) -> None:
    response = hub.post(WHO)
    assert response.status_code == 200, response.text


def test_a_request_forwarded_by_a_proxy_is_not_the_local_developer(hub: RunningHub) -> None:
    response = hub.post(WHO, headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 401


def test_auto_lets_in_no_other_machine(hub: RunningHub) -> None:
    authenticator = Authenticator(hub.services.settings)
    with pytest.raises(Unauthenticated):
        hub.run(authenticator.principal(hub.store, {}, "192.0.2.7"))
    for headers in ({}, {"host": "127.0.0.1:8000"}, {"host": "localhost"}):
        local = hub.run(authenticator.principal(hub.store, headers, "127.0.0.1"))
        assert local.name == "local-developer"
    with pytest.raises(Unauthenticated):  # a name rebound to this machine's address
        hub.run(authenticator.principal(hub.store, {"host": "evil.example"}, "127.0.0.1"))


def test_auto_requires_tokens_once_a_client_was_registered(secured: RunningHub) -> None:
    register(secured, "read")
    settings = make_settings(secured.services.settings.data_dir, auth="auto")
    with serve_beside(secured, settings) as auto:
        assert auto.post(WHO).status_code == 401


# ---- JWTs of an identity provider ---------------------------------------------------------

ISSUER = "https://idp.example.com/realms/leasing"
AUDIENCE = "master-data-hub"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def idp(
    secured: RunningHub, signing_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningHub]:
    """The secured hub's store, served by an app that also accepts the identity provider's
    JWTs, whose key set is a file."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks = tmp_path_factory.mktemp("idp") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}))
    settings = make_settings(
        secured.services.settings.data_dir,
        auth="required",
        jwt_jwks=str(jwks),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    )
    with serve_beside(secured, settings) as running:
        yield running


def _token(key: Any, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "sub": "service-account-erp",
        "azp": "erp-gateway",
        "scope": "openid read write",
        "hub_system": "ERP",
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not None}
    algorithm = "HS256" if isinstance(key, bytes) else "RS256"
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": "k1"})


def test_a_jwt_of_the_identity_provider_names_client_system_and_scopes(
    idp: RunningHub, signing_key: rsa.RSAPrivateKey, unique: str
) -> None:
    token = _token(signing_key)
    written = idp.graphql(UPSERT, {"system": "ERP", "key": f"JWT-{unique}"}, token=token)
    assert written["data"]["upsertBusinessPartner"] == {"created": True, "userErrors": []}
    elsewhere = idp.graphql(UPSERT, {"system": "CRM", "key": f"JWT-{unique}"}, token=token)
    assert elsewhere["data"]["upsertBusinessPartner"]["userErrors"] == [
        {"field": ["input", "source"], "code": "FORBIDDEN"}
    ]
    (partner,) = idp.run(
        idp.store.query(
            "MATCH (:SourceRecord {system: 'ERP', key: $key})-[:SOURCE_OF]->(p) RETURN p.id AS id",
            {"key": f"JWT-{unique}"},
        )
    )
    (event,) = idp.run(
        of_records(idp.store.query, "BusinessPartner", [partner["id"]], pending=True)
    )
    assert (event["by"], event["bySystem"]) == ("erp-gateway", "ERP")


def test_a_jwt_that_names_no_system_cannot_write(
    idp: RunningHub, signing_key: rsa.RSAPrivateKey, unique: str
) -> None:
    token = _token(signing_key, hub_system=None)
    assert idp.post(WHO, token=token).status_code == 200, "it still reads"
    for system in ("ERP", "CRM", "NEWSYS"):
        refused = idp.post(UPSERT, {"system": system, "key": f"NOSYS-{unique}"}, token=token)
        assert refused.status_code == 403, refused.json()
        assert refused.json()["errors"][0]["extensions"]["scopes"] == ["write"]
    written = idp.run(
        idp.store.query(
            "MATCH (s:SourceRecord {key: $key}) RETURN count(s) AS n", {"key": f"NOSYS-{unique}"}
        )
    )
    assert written == [{"n": 0}]


def test_scopes_of_a_jwt_may_come_as_a_list(
    idp: RunningHub, signing_key: rsa.RSAPrivateKey
) -> None:
    token = _token(signing_key, scope=None, scp=["read"])
    assert idp.post(WHO, token=token).status_code == 200
    mutation = idp.post(UPSERT, {"system": "ERP", "key": "x"}, token=token)
    assert mutation.status_code == 403


@pytest.mark.parametrize(
    ("case", "claims"),
    [
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
        ("another audience", {"aud": "some-other-app"}),
        ("another issuer", {"iss": "https://idp.example.com/realms/other"}),
        ("no expiry", {"exp": None}),
    ],
)
def test_a_jwt_that_is_not_for_this_hub_is_refused(
    idp: RunningHub, signing_key: rsa.RSAPrivateKey, case: str, claims: dict[str, Any]
) -> None:
    token = _token(signing_key, **claims)
    response = idp.post(WHO, token=token)
    assert response.status_code == 401, case
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_jwt_signed_by_another_key_or_with_a_shared_secret_is_refused(idp: RunningHub) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert idp.post(WHO, token=_token(stranger)).status_code == 401
    # The public key used as an HMAC secret: the classic algorithm confusion.
    assert idp.post(WHO, token=_token(b"a-shared-secret-long-enough-for-hs256!")).status_code == 401


def test_a_hub_without_a_jwks_refuses_jwts(
    secured: RunningHub, signing_key: rsa.RSAPrivateKey
) -> None:
    response = secured.post(WHO, token=_token(signing_key))
    assert response.status_code == 401
    assert "HUB_JWT_JWKS" in response.json()["errors"][0]["message"]
