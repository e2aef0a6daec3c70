"""A small Discord on 127.0.0.1: REST and gateway, enough for the real discord.py client.

The bot under test is the real discord.py client; only the far end is fake. Point it here
with ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` (see ``pointing_at``).
Every REST request is recorded (method, path, JSON body) and every JSON body is validated
against Discord's OpenAPI description; violations collect in ``spec_errors``.

Slash-command options may include an ``attachment``, which the fake itself serves over
HTTP; a recorded request keeps the fake's ``response`` (for an edit of an interaction's
reply, the message whose buttons ``click`` presses). ``add_guild`` puts the bot in a
second server.

Faults for reliability tests: ``fail_next`` answers the next matching request with an HTTP
error (429 with ``retry_after``, 500, 404 for an expired interaction token), and
``drop_gateway`` closes the websocket with a chosen close code or invalidates the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

from tests.fakes.openapi import SpecValidator

MANAGE_GUILD = 1 << 5
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_HISTORY = 1 << 16
EVERYONE_PERMISSIONS = SEND_MESSAGES | EMBED_LINKS | READ_HISTORY | (1 << 10)  # + view channel

_ids = itertools.count(1_200_000_000_000_000_000)


def snowflake() -> str:
    """A fresh id, as Discord sends them (a string)."""
    return str(next(_ids))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Recorded:
    """One REST request the bot made."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int = 200
    response: Any = None  # what the fake answered (the message, for message sends and edits)


@dataclass
class Fault:
    """An error to answer instead of the normal response."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass
class Attachment:
    """A file a user attached to a slash command; the fake serves its bytes at ``url``."""

    id: str
    filename: str
    data: bytes
    content_type: str | None
    url: str

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            body["content_type"] = self.content_type
        return body


@dataclass
class User:
    """A person (or bot) in the fake world."""

    id: str
    username: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }


class FakeDiscord:
    """REST + gateway server; one guild with a few channels, one bot application."""

    def __init__(self, token: str, *, validate: bool = True) -> None:
        self.token = token
        self.app_id = snowflake()
        self.bot_user = User(self.app_id, "QuoteBot", bot=True)
        self.guild_id = snowflake()
        self.channel_id = snowflake()
        self.answer_channel_id = snowflake()
        self.mod_log_channel_id = snowflake()
        self.mod_role_id = snowflake()
        self.requests: list[Recorded] = []
        self.spec_errors: list[str] = []
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.interaction_messages: dict[str, dict[str, Any]] = {}  # token -> the response message
        self._validator = SpecValidator.load() if validate else None
        self._sockets: list[web.WebSocketResponse] = []
        self._shard_of: dict[int, int] = {}  # id(socket) -> the shard it identified as
        self._sequence = 0
        self._session_id = "fake-session"
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._new_request = asyncio.Condition()
        self.port = 0
        self.attachments: dict[str, Attachment] = {}
        self.other_guilds: dict[str, str] = {}  # guild id -> its channel, from add_guild
        self.downloads: list[str] = []  # attachment ids the bot fetched

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{filename}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop listening before closing the gateway sockets.

        A bot told to go away resumes at once; were the port still open it could land a
        new session in the moment before the server shuts, and then wait on it for a
        heartbeat that never comes instead of failing over to its reconnect loop.
        """
        if self._site is not None:
            await self._site.stop()  # closes the listening socket; the runner's cleanup skips it
            self._site = None
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @contextlib.contextmanager
    def pointing_at(self) -> Iterator[None]:
        """Point discord.py's REST base and gateway URL at this fake for the duration."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # -- REST --------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        pattern: str,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        retry_after: float = 0,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with an error."""
        headers = {}
        body = dict(body or {"message": "fake failure", "code": 0})
        if status == 429:
            body.setdefault("retry_after", retry_after)
            body.setdefault("global", False)
            headers = {
                "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
                "Retry-After": str(retry_after),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": str(retry_after),
                "X-RateLimit-Bucket": "fake-bucket",
                "X-RateLimit-Scope": "user",
            }
        self.faults.append(Fault(method.upper(), re.compile(pattern), status, body, headers, times))

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json" and raw:
                body = json.loads(raw)
            elif raw:
                body = {"_raw": raw[:200].decode("utf-8", "replace"), "_type": request.content_type}
        token_auth = path.startswith(("/interactions/", "/webhooks/"))  # authorised by their own token
        if not token_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return await self._record(request, path, body, 401, {"message": "401: Unauthorized", "code": 0})
        for fault in self.faults:
            if fault.method == request.method and fault.pattern.search(path) and fault.times > 0:
                fault.times -= 1
                return await self._record(request, path, body, fault.status, fault.body, fault.headers)
        if self._validator is not None and isinstance(body, (dict, list)):
            for problem in self._validator.validate(request.method, path, body):
                self.spec_errors.append(f"{request.method} {path}: {problem}")
        status, payload = self._route(request.method, path, body, dict(request.query))
        return await self._record(request, path, body, status, payload)

    async def _record(
        self,
        request: web.Request,
        path: str,
        body: Any,
        status: int,
        payload: Any,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        async with self._new_request:
            self.requests.append(Recorded(request.method, path, dict(request.query), body, status, payload))
            self._new_request.notify_all()
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly "application/json": discord.py compares the header without parameters.
        return web.Response(
            body=json.dumps(payload).encode(),
            status=status,
            headers={**(headers or {}), "Content-Type": "application/json"},
        )

    def _route(self, method: str, path: str, body: Any, query: dict[str, str]) -> tuple[int, Any]:
        app = self.app_id
        if method == "GET" and path == "/users/@me":
            return 200, self.bot_user.payload()
        if method == "GET" and path == "/oauth2/applications/@me":
            return 200, {
                "id": app,
                "name": "QuoteBot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": User(snowflake(), "owner").payload(),
                "verify_key": "0" * 64,
                "team": None,
                "flags": 0,
                "interactions_endpoint_url": None,
                "summary": "",
            }
        if method == "GET" and path in ("/gateway", "/gateway/bot"):
            return 200, {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            }
        match = re.fullmatch(rf"/applications/{app}(?:/guilds/(\d+))?/commands", path)
        if match and method == "PUT":
            key = match.group(1) or "global"
            self.commands[key] = [dict(c, id=snowflake(), application_id=app, version=snowflake()) for c in body]
            return 200, self.commands[key]
        match = re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path)
        if match and method == "POST":
            kind = body.get("type")
            message = self._message(self.channel_id, self.bot_user, body.get("data", {}) or {})
            if kind in (4, 5):
                self.interaction_messages[match.group(2)] = message
            response = {
                "interaction": {
                    "id": match.group(1),
                    "type": 2,
                    "response_message_id": message["id"],
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool((body.get("data") or {}).get("flags", 0) & 64),
                }
            }
            if kind in (4, 5, 7):
                response["resource"] = {"type": kind, "message": message}
            return 200, response
        match = re.fullmatch(rf"/webhooks/{app}/([^/]+)(/messages/@original)?", path)
        if match and method in ("POST", "PATCH"):
            message = self._message(self.channel_id, self.bot_user, body or {})
            if method == "PATCH" and match.group(1) in self.interaction_messages:  # the same message, edited
                message["id"] = self.interaction_messages[match.group(1)]["id"]
                self.interaction_messages[match.group(1)] = message
            return 200, message
        match = re.fullmatch(r"/channels/(\d+)/messages", path)
        if match and method == "POST":
            return 200, self._message(match.group(1), self.bot_user, body or {})
        match = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)
        if match and method == "DELETE":
            return 204, None
        match = re.fullmatch(r"/channels/(\d+)", path)
        if match and method == "GET":
            return 200, self._channel(match.group(1), "mod-log")
        if re.fullmatch(r"/channels/(\d+)/typing", path):
            return 204, None
        return 404, {"message": f"fake: no route for {method} {path}", "code": 0}

    # -- payload builders ------------------------------------------------------------------

    def _channel(self, channel_id: str, name: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "type": 0,
            "guild_id": self.guild_id,
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _message(
        self, channel_id: str, author: User, data: dict[str, Any], content: str | None = None
    ) -> dict[str, Any]:
        return {
            "id": snowflake(),
            "channel_id": channel_id,
            "guild_id": self.guild_id,
            "author": author.payload(),
            "content": content if content is not None else data.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": data.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": data.get("flags", 0) or 0,
            "components": data.get("components") or [],
        }

    def _member(self, user: User, *, roles: list[str] | None = None, permissions: int | None = None) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": user.payload(),
            "roles": roles or [],
            "joined_at": now_iso(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def _guild(self) -> dict[str, Any]:
        return {
            "id": self.guild_id,
            "name": "Test server",
            "icon": None,
            "owner_id": snowflake(),
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-US",
            "features": [],
            "roles": [
                {
                    "id": self.guild_id,
                    "name": "@everyone",
                    "permissions": str(EVERYONE_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": self.mod_role_id,
                    "name": "Moderators",
                    "permissions": str(EVERYONE_PERMISSIONS),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": True,
                    "flags": 0,
                },
            ],
            "emojis": [],
            "stickers": [],
            "channels": [
                self._channel(self.channel_id, "general"),
                self._channel(self.answer_channel_id, "ask-here"),
                self._channel(self.mod_log_channel_id, "mod-log"),
            ],
            "threads": [],
            "members": [self._member(self.bot_user)],
            "member_count": 3,
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
        }

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    await self._identify(ws, payload["d"])
                elif op == 6:
                    self.resumes.append(payload["d"])
                    if payload["d"].get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed")
                        continue
                    await self._send(ws, "RESUMED", {})
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.identifies.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed")
            return
        self._shard_of[id(ws)] = int((data.get("shard") or [0, 1])[0])
        ready = {
            "v": 10,
            "user": dict(self.bot_user.payload(), verified=True, mfa_enabled=False, flags=0),
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": self._session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.app_id, "flags": 0},
            "shard": data.get("shard") or [0, 1],
        }
        await self._send(ws, "READY", ready)
        await self._send(ws, "GUILD_CREATE", self._guild())

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._sequence += 1
        await ws.send_json({"op": 0, "t": event, "s": self._sequence, "d": data})

    async def dispatch(self, event: str, data: dict[str, Any], *, shard: int | None = None) -> None:
        """Send an event to every connected gateway session, or only to those of one shard."""
        for ws in list(self._sockets):
            if shard is None or self._shard_of.get(id(ws)) == shard:
                await self._send(ws, event, data)

    def shards_connected(self) -> set[int]:
        """The shards with an identified gateway session open right now."""
        return {self._shard_of[id(ws)] for ws in self._sockets if id(ws) in self._shard_of}

    async def drop_gateway(self, *, code: int | None = 4000, invalid_session: bool = False) -> None:
        """Break the gateway: close with ``code`` (4000 is resumable) or invalidate the session."""
        for ws in list(self._sockets):
            if invalid_session:
                await ws.send_json({"op": 9, "d": False, "s": None, "t": None})
                await ws.close(code=4000)
            else:
                await ws.close(code=code or 1000)

    @property
    def connected(self) -> int:
        return len(self._sockets)

    # -- what users do ---------------------------------------------------------------------

    def person(self, name: str = "alice") -> User:
        return User(snowflake(), name)

    async def slash(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: User | None = None,
        permissions: int = EVERYONE_PERMISSIONS,
        roles: list[str] | None = None,
        in_guild: bool = True,
        autocomplete: str | None = None,
        shard: int | None = None,
        guild_id: str | None = None,
    ) -> tuple[str, str]:
        """Send a slash command (or an autocomplete for option ``autocomplete``), to one ``shard`` or all.

        Returns (id, token). ``name`` may name a subcommand ("kb add"); ``guild_id`` is a server
        from ``add_guild`` (default: the first). A command registered for that server is sent
        as Discord sends one, with the server's id in the command data.
        """
        user = user or self.person()
        guild_id = guild_id or self.guild_id
        channel_id = self.other_guilds.get(guild_id, self.channel_id)
        interaction_id, token = snowflake(), f"tok-{snowflake()}"
        kinds = {str: 3, int: 4, bool: 5}
        opts: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for key, value in (options or {}).items():
            if isinstance(value, Attachment):
                option = {"name": key, "type": 11, "value": value.id}
                resolved.setdefault("attachments", {})[value.id] = value.payload()
            else:
                option = {"name": key, "type": kinds[type(value)], "value": value}
            if key == autocomplete:
                option["focused"] = True
            opts.append(option)
        name, *sub = name.split()
        if sub:
            opts = [{"name": sub[0], "type": 1, "options": opts}]
        command_data: dict[str, Any] = {"name": name, "type": 1, "options": opts}
        registered = next((c for c in self.commands.get(guild_id, []) if c["name"] == name), None)
        if registered is not None and in_guild:
            command_data["guild_id"] = guild_id
        else:
            registered = next((c for c in self.commands.get("global", []) if c["name"] == name), None)
        command_data["id"] = registered["id"] if registered else snowflake()
        if resolved:
            command_data["resolved"] = resolved
        data: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.app_id,
            "type": 4 if autocomplete else 2,
            "data": command_data,
            "channel_id": channel_id,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": guild_id} if in_guild else {"1": user.id},
            "context": 0 if in_guild else 1,
        }
        if in_guild:
            data["guild_id"] = guild_id
            data["guild_locale"] = "en-US"
            data["channel"] = dict(self._channel(channel_id, "general"), guild_id=guild_id)
            data["member"] = self._member(user, roles=roles, permissions=permissions)
        else:
            data["user"] = user.payload()
            data["channel"] = {"id": self.channel_id, "type": 1, "recipients": [user.payload()], "flags": 0}
        await self.dispatch("INTERACTION_CREATE", data, shard=shard)
        return interaction_id, token

    def attachment(self, filename: str, data: bytes, content_type: str | None = None) -> Attachment:
        """A file to pass as a slash-command option; its bytes are served by this fake."""
        attachment_id = snowflake()
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        self.attachments[attachment_id] = Attachment(attachment_id, filename, data, content_type, url)
        return self.attachments[attachment_id]

    async def _attachment(self, request: web.Request) -> web.Response:
        attachment = self.attachments.get(request.match_info["id"])
        self.downloads.append(request.match_info["id"])
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return web.Response(status=404)
        return web.Response(body=attachment.data, content_type=attachment.content_type or "application/octet-stream")

    async def add_guild(self, name: str = "Another server") -> str:
        """Put the bot in one more server (its own channel, no moderator role); returns its id."""
        guild_id, channel_id = snowflake(), snowflake()
        guild = self._guild()
        guild.update(id=guild_id, name=name, owner_id=snowflake())
        guild["roles"] = [dict(guild["roles"][0], id=guild_id)]
        guild["channels"] = [dict(self._channel(channel_id, "general"), guild_id=guild_id)]
        self.other_guilds[guild_id] = channel_id
        await self.dispatch("GUILD_CREATE", guild)
        return guild_id

    def sent_message(self, body: dict[str, Any], channel_id: str | None = None) -> dict[str, Any]:
        """A message payload (with an id) for a body the bot sent, so a test can click its buttons.

        The bot finds a view it keeps in memory by the message id: for an interaction's
        response use ``interaction_messages[token]``, which has the id the bot was given.
        """
        return body if "id" in body else self._message(channel_id or self.channel_id, self.bot_user, body)

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        *,
        user: User | None = None,
        permissions: int = EVERYONE_PERMISSIONS,
        roles: list[str] | None = None,
    ) -> tuple[str, str]:
        """Press a button (a MESSAGE_COMPONENT interaction) on a message; returns (id, token).

        ``message`` is a message payload or a body the bot sent (see ``sent_message``).
        """
        user = user or self.person()
        message = self.sent_message(message)
        interaction_id, token = snowflake(), f"tok-{snowflake()}"
        data: dict[str, Any] = {
            "id": interaction_id,
            "application_id": self.app_id,
            "type": 3,
            "data": {"custom_id": custom_id, "component_type": 2},
            "message": message,
            "channel_id": message["channel_id"],
            "guild_id": self.guild_id,
            "guild_locale": "en-US",
            "channel": self._channel(message["channel_id"], "general"),
            "member": self._member(user, roles=roles, permissions=permissions),
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": self.guild_id},
            "context": 0,
        }
        await self.dispatch("INTERACTION_CREATE", data)
        return interaction_id, token

    async def say(
        self,
        content: str,
        *,
        user: User | None = None,
        mention_bot: bool = False,
        channel_id: str | None = None,
        author_is_bot: bool = False,
    ) -> dict[str, Any]:
        """Post a message in the guild (optionally mentioning the bot); returns its payload."""
        user = user or self.person()
        user.bot = author_is_bot
        text = f"<@{self.bot_user.id}> {content}" if mention_bot else content
        message = self._message(channel_id or self.channel_id, user, {}, content=text)
        message["member"] = {k: v for k, v in self._member(user).items() if k != "user"}
        if mention_bot:
            message["mentions"] = [dict(self.bot_user.payload(), member=self._member(self.bot_user))]
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    # -- what the bot did ---------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[Recorded], bool], timeout: float = 10.0) -> Recorded:
        """The first recorded request (past or future) that matches."""

        async def find() -> Recorded:
            async with self._new_request:
                while True:
                    for record in self.requests:
                        if predicate(record):
                            return record
                    await self._new_request.wait()

        return await asyncio.wait_for(find(), timeout)

    def for_token(self, token: str) -> list[Recorded]:
        """Requests answering the interaction with this token (callback, edits, follow-ups)."""
        return [r for r in self.requests if f"/{token}" in r.path]

    async def answer_to(self, token: str, timeout: float = 10.0) -> dict[str, Any]:
        """The message body that finally answered an interaction (response, edit or follow-up)."""

        def final(record: Recorded) -> bool:
            if f"/{token}" not in record.path or record.status >= 400:
                return False
            if record.path.endswith("/callback"):
                return record.body.get("type") in (4, 7, 8)  # 7: a component updated its message
            return True

        record = await self.wait_for(final, timeout)
        if record.path.endswith("/callback"):
            return record.body.get("data") or {}
        return record.body

    def channel_posts(self, channel_id: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path == f"/channels/{channel_id or self.channel_id}/messages"
        ]
