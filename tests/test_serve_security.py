"""The collection service's guards one by one (issue 20), each shown to fire and to stay quiet: the
password hash, the session cookie's signature and expiry, form tokens, the login limiter's window,
the upload stream's size limit and the client's file name."""

from __future__ import annotations

import asyncio

import pytest

from xlsx_tools.collect.security import LoginLimiter, Signer, check_password, hash_password
from xlsx_tools.collect.upload import BadForm, TooLarge, receive, shown_name


def test_the_password_is_stored_as_a_salted_hash_and_checked():
    stored = hash_password("correct horse")
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert stored != hash_password("correct horse")  # salted
    assert check_password("correct horse", stored)
    assert not check_password("correct hors", stored)
    assert not check_password("anything", "plain-text-in-the-database")


def test_a_session_cookie_is_ours_unexpired_and_ends_with_a_new_password():
    signer = Signer("secret", "hash-1")
    cookie = signer.session(now=1_000)
    assert signer.session_nonce(cookie, now=1_001)
    assert signer.session_nonce(cookie, now=1_000 + 9 * 3600) is None  # expired
    expires, nonce, mac = cookie.split(".")
    assert signer.session_nonce(f"{int(expires) + 3600}.{nonce}.{mac}", now=1_001) is None  # lengthened
    assert Signer("other secret", "hash-1").session_nonce(cookie, now=1_001) is None
    assert Signer("secret", "hash-2").session_nonce(cookie, now=1_001) is None  # password changed
    assert signer.session_nonce("garbage", now=1_001) is None


def test_form_tokens_belong_to_their_subject():
    signer = Signer("secret", "hash")
    token = signer.form_token("office|3")
    assert signer.form_ok("office|3", token)
    assert not signer.form_ok("office|4", token) and not signer.form_ok("office|3", None)


def test_the_login_limiter_blocks_after_five_failures_and_forgets_them_later():
    limiter = LoginLimiter(attempts=5, window=300)
    for t in range(5):
        assert limiter.blocked("10.0.0.1", now=t) == 0
        limiter.failed("10.0.0.1", now=t)
    assert limiter.blocked("10.0.0.1", now=10) > 0
    assert limiter.blocked("10.0.0.2", now=10) == 0  # another client
    assert limiter.blocked("10.0.0.1", now=305) == 0  # the window has passed


def body(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZ") -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def stream(data: bytes, size: int = 1000):
    async def chunks():
        for i in range(0, len(data), size):
            yield data[i:i + size]
    return chunks()


def take(tmp_path, data: bytes, limit: int = 10_000, declared: int | None = None):
    counter = iter(range(100))

    def temporary():
        path = tmp_path / f"{next(counter)}.part"
        path.touch()
        return path

    return asyncio.run(receive("multipart/form-data; boundary=XyZ", declared, stream(data), temporary, limit))


def test_an_upload_within_the_limit_is_written_whole(tmp_path):
    got = take(tmp_path, body([("csrf", None, b"abc"), ("file", "年报.xlsx", b"PK" * 3000)]))
    assert got.fields == {"csrf": "abc"} and got.filename == "年报.xlsx"
    assert got.file.read_bytes() == b"PK" * 3000 and got.size == 6000


def test_an_upload_over_the_limit_stops_and_leaves_nothing(tmp_path):
    with pytest.raises(TooLarge):
        take(tmp_path, body([("csrf", None, b"abc"), ("file", "big.xlsx", b"x" * 20_000)]))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TooLarge):  # refused on its declared length, before reading
        take(tmp_path, b"", declared=10_000_000)


def test_two_files_or_a_torn_body_are_not_the_form(tmp_path):
    with pytest.raises(BadForm):
        take(tmp_path, body([("file", "a.xlsx", b"a"), ("file", "b.xlsx", b"b")]))
    with pytest.raises(BadForm):
        take(tmp_path, body([("file", "a.xlsx", b"a" * 100)])[:60])
    assert list(tmp_path.iterdir()) == []
    got = take(tmp_path, body([("csrf", None, b"abc"), ("file", "", b"")]))  # no file chosen
    assert got.file is None


def test_the_clients_file_name_is_shown_never_a_path():
    assert shown_name("../../etc/passwd.xlsx") == "passwd.xlsx"
    assert shown_name("C:\\Users\\张三\\桌面\\年报.xlsx") == "年报.xlsx"
    assert shown_name("a\x00b\n.xlsx") == "ab.xlsx"
    assert shown_name("") == "未命名文件"


def test_temporary_files_left_by_a_killed_run_are_swept_on_start(tmp_path):
    import os
    import time

    from xlsx_tools.collect.state import Store

    store = Store(tmp_path)
    old, fresh = store.temporary(), store.temporary()
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    store.close()
    Store(tmp_path).close()
    assert not old.exists() and fresh.exists()  # a fresh one may be another server's upload in progress
