"""Loopback webhook receivers on asyncio streams, each answering in its own (mis)behaved way."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

Respond = Callable[[asyncio.StreamWriter, "Receiver"], Awaitable[None]]


@dataclass
class Receiver:
    host: str
    port: int
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    """(request line, lower-cased headers, body) of every request."""
    sent_bytes: int = 0
    """Response body bytes the receiver managed to write."""

    def url(self, path: str = "/hook", host: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{host or self.host}:{self.port}{path}"


@contextlib.asynccontextmanager
async def receiver(
    respond: Respond, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> AsyncIterator[Receiver]:
    box = Receiver(host, 0)
    handlers: set[asyncio.Task] = set()

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(":") for line in head[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            box.received.append((head[0], headers, body))
            await respond(writer, box)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, host, 0, ssl=tls)
    box.port = server.sockets[0].getsockname()[1]
    try:
        yield box
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


async def answer_204(writer: asyncio.StreamWriter, box: Receiver) -> None:
    writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


def answer_status(status: int, body: bytes = b"", headers: str = "") -> Respond:
    async def respond(writer: asyncio.StreamWriter, box: Receiver) -> None:
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body)
        await writer.drain()

    return respond


def huge_body(total: int) -> Respond:
    """200 with a `total`-byte body, written as fast as the client takes it."""

    async def respond(writer: asyncio.StreamWriter, box: Receiver) -> None:
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n".encode())
        chunk = b"x" * 65536
        while box.sent_bytes < total:
            writer.write(chunk)
            await writer.drain()
            box.sent_bytes += len(chunk)

    return respond


async def endless_chunks(writer: asyncio.StreamWriter, box: Receiver) -> None:
    """200 with a chunked body that never ends."""
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"y" * 65536)
    while True:
        writer.write(chunk)
        await writer.drain()
        box.sent_bytes += 65536


def byte_per_second(head_first: bool) -> Respond:
    """One byte a second, forever: of the body after the head (`head_first`), or of the head itself."""

    async def respond(writer: asyncio.StreamWriter, box: Receiver) -> None:
        if head_first:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        text = b"HTTP/1.1 200 OK\r\n" if not head_first else b""
        while True:
            writer.write(text[:1] or b"z")
            text = text[1:]
            await writer.drain()
            box.sent_bytes += 1
            await asyncio.sleep(1.0)

    return respond
