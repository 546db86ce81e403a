"""reelctl: one command for Reelflow operators.

Configured by the services' own `REELFLOW_*` variables (REELFLOW_KAFKA_BOOTSTRAP,
REELFLOW_KAFKA_NAMESPACE, REELFLOW_MONGO_URI, ...). Topic and group names are the contract's
(`script.events`, `script-service`); the namespace is added for you.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from aiokafka.errors import KafkaConnectionError, KafkaError
from rich.markup import escape
from rich.table import Table

from reelflow_ops import dead_letters, doctor, rebuild_views, replay, tail, topics_report, trace
from reelflow_ops.cluster import Cluster, Unsupported, connect
from reelflow_ops.output import console, fail, print_json, print_json_line
from reelflow_ops.settings import OpsSettings

app = typer.Typer(
    help="Operate Reelflow: topics and lag, tail and trace events, replay groups, dead letters, "
    "rebuild the read model, check everything (doctor). Every command takes --help.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="Dead letters: list them, show them, send them back.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

JsonOption = Annotated[bool, typer.Option("--json", help="machine-readable output (JSON; JSON lines for streams)")]
T = TypeVar("T")


def run(work: Callable[[Cluster, OpsSettings], Awaitable[T]]) -> T:
    """Connect to the broker of the `REELFLOW_*` settings, run `work`, turn known failures into words."""
    settings = OpsSettings()

    async def main() -> T:
        async with connect(settings) as cluster:
            return await work(cluster, settings)

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except replay.CannotReplay as exc:
        raise fail(str(exc), exc.hint) from None
    except Unsupported as exc:
        raise fail(str(exc), "Apache Kafka answers this (REELFLOW_STACK_KAFKA=apache)") from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    except KafkaConnectionError as exc:
        raise fail(
            f"cannot reach Kafka at {settings.kafka_bootstrap}: {exc}",
            "start it (make infra-up) or point REELFLOW_KAFKA_BOOTSTRAP at it; `reelctl doctor` checks everything",
        ) from None
    except KafkaError as exc:
        raise fail(f"Kafka: {exc!r}") from None


@app.command()
def topics(as_json: JsonOption = False) -> None:
    """Every topic: partitions, record counts, and the consumer groups reading it with their lag."""

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        reports = await topics_report.report(cluster, show_progress=not as_json)
        if as_json:
            print_json({"broker": cluster.kind, "topics": [r.as_json() for r in reports]})
        else:
            topics_report.render(reports, cluster.kind)

    run(work)


@app.command(name="tail")
def tail_command(
    topic: Annotated[str, typer.Argument(help="a topic, e.g. script.events (the namespace is added)")],
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep waiting for new records")] = False,
    from_: Annotated[
        str, typer.Option("--from", help="earliest | latest | an offset | an ISO time (2026-01-31T12:00:00Z)")
    ] = "earliest",
    type_: Annotated[str | None, typer.Option("--type", help="ce_type, part of one, or a class name")] = None,
    subject: Annotated[str | None, typer.Option(help="only this ce_subject")] = None,
    correlation: Annotated[str | None, typer.Option(help="only this correlation id")] = None,
    as_json: JsonOption = False,
) -> None:
    """Decoded envelopes of one topic, one per line: type, time, subject, correlation and causation ids, payload."""
    try:
        start = tail.parse_start(from_)
    except tail.BadStart as exc:
        raise fail(str(exc)) from None

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        name = settings.local_topic(topic)
        if name not in await cluster.topics():
            raise ValueError(f"no topic {name!r} (`reelctl topics` lists them)")
        async for event in tail.events(
            cluster, name, start=start, follow=follow, type_=type_, subject=subject, correlation=correlation
        ):
            tail.show(event, as_json)

    run(work)


@app.command(name="trace")
def trace_command(
    any_id: Annotated[str, typer.Argument(metavar="ID", help="a script, operation, correlation or message id")],
    as_json: JsonOption = False,
) -> None:
    """Everything that happened to one script, operation or correlation id, across all topics, in time order."""

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        found = await trace.trace(cluster, settings, any_id, show_progress=not as_json)
        if as_json:
            for event in found:
                print_json_line(event.as_json())
            return
        if not found:
            console.print(f"nothing mentions {escape(any_id)}")
        for event in found:
            tail.show(event, as_json=False)

    run(work)


def _parse_target(to_earliest: bool, to_offset: int | None, to_datetime: str | None) -> str | int | datetime:
    given = [x for x in (to_earliest or None, to_offset, to_datetime) if x is not None]
    if len(given) != 1:
        raise fail("say exactly one of --to-earliest, --to-offset N, --to-datetime ISO")
    if to_earliest:
        return "earliest"
    if to_offset is not None:
        return to_offset
    start = tail.parse_start(str(to_datetime))
    if not isinstance(start, datetime):
        raise fail(f"--to-datetime {to_datetime!r} is not an ISO time")
    return start


@app.command(name="replay")
def replay_command(
    group: Annotated[str, typer.Option("--group", "-g", help="consumer group, e.g. scene-service")],
    to_earliest: Annotated[bool, typer.Option("--to-earliest", help="back to each partition's first record")] = False,
    to_offset: Annotated[int | None, typer.Option("--to-offset", help="this offset on every partition")] = None,
    to_datetime: Annotated[
        str | None, typer.Option("--to-datetime", help="the first record at or after this ISO time")
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="only this topic (default: every topic the group has offsets on)")
    ] = None,
    execute: Annotated[
        bool, typer.Option("--execute", help="move the offsets (without it: only show the plan)")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Move a stopped group's committed offsets. Without --execute it shows per partition what would change;
    it refuses while the group has active members."""
    target = _parse_target(to_earliest, to_offset, to_datetime)

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        moves = await replay.plan(cluster, settings, group, target, topic)
        if execute:
            await replay.execute(cluster, settings, group, moves)
        if as_json:
            print_json(
                {"group": settings.local_group(group), "executed": execute, "moves": [m.as_json() for m in moves]}
            )
            return
        table = Table(title=f"replay {settings.local_group(group)}" + ("" if execute else " (plan: add --execute)"))
        for column in ("topic", "partition", "committed", "new offset", "read again"):
            table.add_column(column, justify="left" if column == "topic" else "right")
        for m in moves:
            table.add_row(
                m.topic,
                str(m.partition),
                "-" if m.committed is None else str(m.committed),
                str(m.target),
                str(m.rereads),
            )
        console.print(table)
        console.print("[green]offsets moved[/]" if execute else "[yellow]nothing changed: add --execute[/]")

    run(work)


@app.command(name="rebuild-views")
def rebuild_views_command(
    wait: Annotated[
        bool, typer.Option("--wait", help="then follow the gateway's replay until it has caught up")
    ] = False,
    timeout: Annotated[float, typer.Option(help="seconds --wait waits at most")] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the gateway's read model from the event topics (every gateway stopped first; start one to replay)."""

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        gateway = rebuild_views.gateway_settings()
        said = await rebuild_views.rebuild(cluster, gateway)
        if not as_json:
            console.print(said)
        replayed = (
            await rebuild_views.wait_caught_up(cluster, gateway, timeout, show_progress=not as_json) if wait else None
        )
        if as_json:
            print_json({"rebuilt": said, "replayed_events": replayed})
        elif replayed is not None:
            console.print(f"[green]read model rebuilt: {replayed} events replayed[/]")

    run(work)


@dlq_app.command(name="list")
def dlq_list(as_json: JsonOption = False) -> None:
    """Every dead-letter topic (one per consumer group) and how many records it holds."""

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        found = await dead_letters.dead_letter_topics(cluster, settings)
        if as_json:
            print_json([d.__dict__ for d in found])
            return
        table = Table(title="dead letters")
        table.add_column("group", style="cyan")
        table.add_column("topic")
        table.add_column("records", justify="right")
        for d in found:
            table.add_row(d.group, d.topic, f"[red]{d.records}[/]" if d.records else "0")
        console.print(table if found else "no dead-letter topic")

    run(work)


@dlq_app.command(name="show")
def dlq_show(
    group: Annotated[str, typer.Argument(help="the consumer group, e.g. image-service")], as_json: JsonOption = False
) -> None:
    """The dead letters of one group, with their error headers and payload."""

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        for letter in await dead_letters.dead_letters(cluster, settings, group):
            if as_json:
                print_json_line(letter.as_json())
                continue
            again = (
                f" [magenta](redriven from {letter.event.headers['x-redriven-from']})[/]"
                if "x-redriven-from" in letter.event.headers
                else ""
            )
            console.print(
                f"[bold]{letter.where}[/] [dim]{letter.event.time}[/] [cyan]{escape(letter.event.type or '?')}[/] "
                f"from {escape(letter.source)} key={escape(letter.event.key)}{again}\n"
                f"  [red]{escape(letter.error)}[/]\n  {escape(str(letter.event.payload))[:500]}",
                highlight=False,
            )

    run(work)


@dlq_app.command(name="redrive")
def dlq_redrive(
    group: Annotated[str, typer.Argument(help="the consumer group whose dead letters to send back")],
    offset: Annotated[
        list[str] | None, typer.Option("--offset", help="a dead letter, OFFSET or PARTITION:OFFSET (repeat)")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="every dead letter of the group")] = False,
    execute: Annotated[
        bool, typer.Option("--execute", help="send them (without it: only show what would be sent)")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send chosen dead letters back to their original topic (original key and headers, marked x-redriven-from),
    once what made them fail is fixed."""
    if not offset and not all_:
        raise fail("choose the dead letters: --offset N (repeat) or --all", "`reelctl dlq show GROUP` lists them")

    async def work(cluster: Cluster, settings: OpsSettings) -> None:
        letters = dead_letters.chosen(await dead_letters.dead_letters(cluster, settings, group), offset or [], all_)
        sent = await dead_letters.redrive(cluster, letters) if execute else []
        if as_json:
            print_json(
                {
                    "executed": execute,
                    "letters": [letter.as_json() for letter in letters],
                    "sent": [{"dlq": f"{d.where}", "topic": t, "partition": p, "offset": o} for d, t, p, o in sent],
                }
            )
            return
        for letter in letters:
            console.print(f"{letter.where} {escape(letter.event.type)} -> {escape(letter.source_topic)}")
        console.print(
            f"[green]{len(sent)} record(s) sent back[/]" if execute else "[yellow]nothing sent: add --execute[/]"
        )

    run(work)


@app.command(name="doctor")
def doctor_command(
    skip_ai: Annotated[bool, typer.Option("--skip-ai", help="do not call the AI provider (it may cost money)")] = False,
    as_json: JsonOption = False,
) -> None:
    """Check the broker, MongoDB (replica set, transactions), S3 (credentials, buckets), every service's
    /healthz, the AI provider (a real minimal call per capability) and FFmpeg; say what is wrong and how to fix it."""
    settings = OpsSettings()
    findings = asyncio.run(doctor.diagnose(settings, skip_ai=skip_ai))
    if as_json:
        print_json(doctor.as_json(findings))
    else:
        table = Table(title="reelctl doctor", show_lines=True)
        for column in ("", "area", "what", "found", "to fix"):
            table.add_column(column)
        for f in findings:
            mark = "[green]ok[/]" if f.ok and not f.warning else "[yellow]note[/]" if f.ok else "[bold red]FAIL[/]"
            table.add_row(mark, f.area, escape(f.name), escape(f.detail), escape(f.fix))
        console.print(table)
        failed = [f for f in findings if not f.ok]
        console.print(f"[bold red]{len(failed)} problem(s)[/]" if failed else "[green]everything answers[/]")
    if any(not f.ok for f in findings):
        raise typer.Exit(1)


def main() -> Any:
    return app()
