"""``nianbao serve``: the intranet page where offices hand in their workbooks."""

from __future__ import annotations

import errno
import os
import socket
import sys
from pathlib import Path

import click

from ..format.oserrors import describe
from .common import reading_limits, roster_and_previous

PASSWORD_ENV = "NIANBAO_BOARD_PASSWORD"


@click.command()
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="单位名录（.xlsx）：每家单位一个上传链接。")
@click.option("--year", type=int, required=True, help="收集的报告年度。")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="收集目录：数据库和收到的全部文件都存放在这里（重启后继续使用）。")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址。默认只有本机能访问；让其他电脑访问请用本机的内网地址"
                   "或 0.0.0.0。")
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="报送截止日期，如 2026-01-31。")
@click.option("--url", default=None, help="各单位访问本服务的地址（写入上传链接），默认 http://监听地址:端口。")
@click.option("--max-upload-mb", type=float, default=20.0, show_default=True, help="单个上传文件的大小上限。")
@click.option("--new-password", is_flag=True, help="重新设置汇总单位的登录密码。")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="上年汇总表（nianbao merge 生成）：上传的报表与上年数据核对（X1、X2），汇总表核对 C4。")
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="HTTPS 证书文件（PEM）。与 --keyfile 一起给出时以 HTTPS 提供服务。")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="HTTPS 私钥文件（PEM）。")
@click.option("--trusted-proxy", multiple=True, metavar="地址",
              help="前置反向代理（nginx、Caddy）的地址：只采信它转发的客户端地址和协议（X-Forwarded-For、"
                   "X-Forwarded-Proto），且不限制它的连接数。可重复给出。")
@click.option("--max-uploads-per-hour", type=click.IntRange(min=0), default=30, show_default=True,
              help="每家单位每小时最多上传次数（0 为不限）。")
@click.option("--max-office-mb", type=click.FloatRange(min=0, min_open=True), default=200.0, show_default=True,
              help="每家单位在服务器上保存的文件总量上限。")
@click.option("--max-data-gb", type=click.FloatRange(min=0, min_open=True), default=20.0, show_default=True,
              help="收集目录中保存的文件总量上限。")
@click.option("--max-connections-per-client", type=click.IntRange(min=1), default=64, show_default=True,
              help="同一地址同时打开的连接数上限（多家单位经同一出口地址访问时可调高）。")
@reading_limits
def serve(roster, year, data, host, port, deadline, url, max_upload_mb, new_password, previous, certfile, keyfile,
          trusted_proxy, max_uploads_per_hour, max_office_mb, max_data_gb, max_connections_per_client,
          limits, jobs, budget) -> None:
    """启动年报收集页面：各单位用专用链接上传工作簿并立即看到校验结果，汇总单位登录后查看报送情况、下载汇总表。

    第一次启动时设置汇总单位的登录密码（也可以用环境变量 NIANBAO_BOARD_PASSWORD 给出），只保存其散列值。
    收集目录中生成“上传链接.xlsx”，列出每家单位的专用链接，请分别发给各单位（持有链接即可为该单位上传）。

    \b
    示例：
      nianbao serve --roster 名录.xlsx --year 2025 --data 收集目录 --deadline 2026-01-31
      nianbao serve --roster 名录.xlsx --year 2025 --data 收集目录 --host 0.0.0.0 --url http://10.1.2.3:8080
      nianbao serve --roster 名录.xlsx --year 2025 --data 收集目录 --host 0.0.0.0 --certfile 证书.pem --keyfile 私钥.pem

    放在 nginx 或 Caddy 之后运行的方法见 docs/SERVING.md。
    """
    import uvicorn

    from ..collect.app import create_app
    from ..collect.checking import Checker
    from ..collect.connections import Guard, guarded, open_files_allowed
    from ..collect.quotas import Quotas
    from ..collect.security import hash_password
    from ..collect.service import Collection
    from ..collect.state import Store
    from ..collect.web import Settings
    from ..consolidate.submissions import MergeError

    try:
        agencies, previous = roster_and_previous(roster, previous)
    except MergeError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    tls = _tls(certfile, keyfile)
    listening = _listen(host, port)  # before anything is written: a busy port changes nothing
    _data_folder(data)
    store = Store(data)
    stored = store.setting("password")
    if stored is None or new_password:
        password = os.environ.get(PASSWORD_ENV) or click.prompt("设置汇总单位登录密码", hide_input=True,
                                                                confirmation_prompt="再输入一次")
        if len(password) < 8:
            click.echo("密码至少 8 个字符。", err=True)
            sys.exit(2)
        stored = hash_password(password)
        store.set_setting("password", stored)
        store.end_sessions()  # a new password ends every login made with the old one
    checker = Checker(limits, budget, jobs)
    collection = Collection(store, agencies, year, deadline.date() if deadline else None, limits=limits,
                            checker=checker, previous=previous,
                            limited=Quotas(max_uploads_per_hour, max_office_mb, max_data_gb))
    shown_host = socket.gethostname() if host in ("0.0.0.0", "::") else host
    base = url or f"{'https' if tls else 'http'}://{shown_host}:{port}"
    links = collection.write_links(base, data / "上传链接.xlsx")
    app = create_app(collection, Settings(stored, store.secret(), int(max_upload_mb * 1024 * 1024)))
    click.echo(f"年报收集页面：{base}/login（汇总单位登录）")
    click.echo(f"各单位的上传链接：{links}（{len(collection.offices)} 家单位）")
    click.echo("按 Ctrl+C 停止；再次启动时使用同一个收集目录，已收到的文件和链接都保留。", err=False)
    guard = Guard(per_client=max_connections_per_client, exempt=frozenset(trusted_proxy))
    config = uvicorn.Config(app, log_level="warning", workers=1, http=guarded(guard),
                            limit_concurrency=max(64, open_files_allowed() - 256), timeout_keep_alive=5,
                            timeout_graceful_shutdown=5,  # (a TLS client that never closes would hold a stop)
                            proxy_headers=bool(trusted_proxy), forwarded_allow_ips=list(trusted_proxy) or None,
                            ssl_certfile=str(certfile) if tls else None, ssl_keyfile=str(keyfile) if tls else None)
    uvicorn.Server(config).run(sockets=[listening])


def _tls(certfile: Path | None, keyfile: Path | None) -> bool:
    """Whether to serve HTTPS: both files given and usable (checked now, said in Chinese)."""
    if certfile is None and keyfile is None:
        return False
    if certfile is None or keyfile is None:
        click.echo("无法启动收集页面：--certfile 和 --keyfile 需要一起给出。", err=True)
        sys.exit(2)
    import ssl

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(certfile), str(keyfile))
    except (ssl.SSLError, OSError, ValueError) as exc:
        click.echo(f"无法启动收集页面：证书 {certfile.name} 或私钥 {keyfile.name} 无法使用（{exc}）。"
                   "请确认两者是配对的 PEM 文件，且私钥没有口令。", err=True)
        sys.exit(2)
    return True


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now; a busy port or an unusable address ends the command with
    what to do, in Chinese."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        if sys.platform != "win32":  # there it would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.set_inheritable(True)
        return sock
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            why = (f"端口 {port} 已被占用（可能已有一个收集页面或其他程序在运行）。"
                   f"请先停止它，或用 --port 换一个端口，例如 --port {port + 1}。")
        elif exc.errno == errno.EACCES:
            why = (f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限）。"
                   "请用 --port 换一个端口，例如 --port 8080。")
        else:
            why = f"无法在地址 {host} 上监听（{describe(exc)}）。请检查 --host 是否为本机的地址。"
        click.echo(f"无法启动收集页面：{why}", err=True)
        sys.exit(2)


def _data_folder(data: Path) -> None:
    """The data folder, made if missing; one that cannot be written ends the command."""
    try:
        data.mkdir(parents=True, exist_ok=True)
        probe = data / ".nianbao-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        click.echo(f"无法使用收集目录 {data}：{describe(exc)}。请换一个可写入的目录（--data）。", err=True)
        sys.exit(2)
