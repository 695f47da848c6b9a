"""What the operating system said, in Chinese: an :class:`OSError` as a user reads it (the English
text of the system stays for the log and the JSON output)."""

from __future__ import annotations

import errno

_TEXTS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "操作不被允许（没有权限）",
    errno.ENOSPC: "磁盘空间已满",
    errno.EROFS: "磁盘或文件夹是只读的",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EEXIST: "同名文件已存在",
    errno.ENAMETOOLONG: "文件名或路径太长",
    errno.EMFILE: "同时打开的文件太多",
    errno.EBUSY: "文件正被其他程序使用",
    errno.EXDEV: "不能跨磁盘移动文件",
    errno.EIO: "磁盘读写出错",
    errno.EADDRINUSE: "端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.ETIMEDOUT: "连接超时",
    errno.ECONNREFUSED: "连接被拒绝",
}
# Windows names some of these differently (winerror): a file locked by Excel or WPS, mostly
_WINDOWS = {32: "文件正被其他程序（如 Excel、WPS）打开", 33: "文件的一部分被其他程序锁定", 5: "没有访问权限"}


def describe(exc: OSError) -> str:
    """The reason of ``exc`` in Chinese, e.g. 文件或文件夹不存在."""
    winerror = getattr(exc, "winerror", None)
    if winerror in _WINDOWS:
        return _WINDOWS[winerror]
    if exc.errno in _TEXTS:
        return _TEXTS[exc.errno]
    return f"系统错误（代码 {exc.errno}）" if exc.errno else "系统错误"
