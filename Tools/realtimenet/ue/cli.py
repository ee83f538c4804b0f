"""``rtnet ue lint | build | test | report | package | compile-check``: the argument parsing; the work is in the sibling
modules."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from realtimenet.ue.commands import DEFAULT_TEST_FILTER, ENGINE_DIR_ENV


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint the given headers or folders (default: the plugin's Unreal modules); 1 when anything is found."""
    from realtimenet.ue.uht_lint import RULES, lint_paths, plugin_headers

    if args.rules:
        for rule, text in RULES.items():
            print(f"{rule}: {text}")
        return 0
    paths = [Path(p) for p in args.paths] or plugin_headers(Path(args.root))
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"rtnet ue lint: no such file or folder: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    findings, checked = lint_paths(paths)
    for finding in findings:
        print(finding)
    print(f"rtnet ue lint: {checked} headers with reflected types, {len(findings)} findings", file=sys.stderr)
    return 1 if findings else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Package the plugin with RunUAT BuildPlugin."""
    from realtimenet.ue.commands import BuildOptions, run_build

    return run_build(BuildOptions(
        root=Path(args.root), engine_dir=args.engine_dir,
        package_dir=Path(args.package_dir) if args.package_dir else None,
        target_platforms=tuple(p for p in (args.target_platforms or "").split("+") if p),
        extra=tuple(args.extra)))


def cmd_test(args: argparse.Namespace) -> int:
    """Run the automation tests headless against a fault-injection gateway."""
    from realtimenet.ue.commands import AutomationOptions, run_test

    return run_test(AutomationOptions(
        root=Path(args.root), engine_dir=args.engine_dir, test_filter=args.filter,
        report_dir=Path(args.report_dir) if args.report_dir else None,
        junit=Path(args.junit) if args.junit else None,
        gateway=not args.no_gateway, gateway_config=args.gateway_config,
        timeout=args.timeout or None, null_rhi=not args.with_rhi, extra=tuple(args.extra)))


def cmd_report(args: argparse.Namespace) -> int:
    """Summarise an exported automation report; 1 when a test failed or none ran."""
    from realtimenet.ue.commands import summarise_report

    return summarise_report(Path(args.path), Path(args.junit) if args.junit else None)


def cmd_compile_check(args: argparse.Namespace) -> int:
    """Compile the plugin against engine headers (UHT emulated); 0 only when nothing is found."""
    from realtimenet.ue.compile_check import check, engine

    if args.skip_without_engine and not (args.engine_source or os.environ.get(engine.ENGINE_SOURCE_ENV)) \
            and not engine.complete_entries():
        print(f"rtnet ue compile-check: skipped: no engine source ({engine.ENGINE_SOURCE_ENV} is not set and "
              f"{engine.cache_root()} holds no extracted engine; DEVELOPERS.md says how to get one)")
        return 0
    options = check.Options(root=Path(args.root), engine_source=args.engine_source, jobs=args.jobs,
                            only=tuple(Path(p) for p in args.files),
                            output_dir=Path(args.output_dir) if args.output_dir else None,
                            ast_checks=not args.no_ast_checks)
    try:
        result = check.run(options)
    except (check.CheckError, engine.EngineSourceError) as error:
        print(f"rtnet ue compile-check: {error}", file=sys.stderr)
        return 2
    for diagnostic in result.diagnostics:
        print(diagnostic if not args.brief else f"{diagnostic.path}:{diagnostic.line}:{diagnostic.column}: error: "
                                                f"{diagnostic.message}")
    print(f"rtnet ue compile-check: {result.seconds:.0f} s", file=sys.stderr)
    print(f"{len(result.units)} translation units, {len(result.diagnostics)} errors")
    return 1 if result.diagnostics else 0


def cmd_package(args: argparse.Namespace) -> int:
    """Write the plugin's source archive; 2 when it cannot be packaged (the reasons are printed)."""
    from realtimenet.ue.package import PackageError, PackageOptions, package, summary

    links = {"DocsURL": args.docs_url, "SupportURL": args.support_url, "CreatedByURL": args.created_by_url,
             "FabURL": args.fab_url}
    options = PackageOptions(root=Path(args.root), engine_version=args.engine_version,
                             output=Path(args.output) if args.output else None,
                             links={k: v for k, v in links.items() if v}, copyright=args.copyright)
    try:
        path, contents = package(options)
    except PackageError as error:
        print(f"rtnet ue package: {error}", file=sys.stderr)
        return 2
    print("\n".join(summary(path, contents)))
    return 0


def add_ue_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``rtnet ue`` and its subcommands on the top-level subparsers."""
    ue = sub.add_parser("ue", help="Unreal plugin: lint headers, build, run automation tests, read their report")
    commands = ue.add_subparsers(dest="ue_command", required=True)

    lint = commands.add_parser("lint", help="check Unreal Header Tool rules in the plugin's headers")
    lint.add_argument("paths", nargs="*", help="headers or folders (default: the plugin's Unreal modules)")
    lint.add_argument("--root", default=".", help="repository root")
    lint.add_argument("--rules", action="store_true", help="list the rules and exit")
    lint.set_defaults(func=cmd_lint)

    engine_help = f"engine folder (holds Engine/); default ${ENGINE_DIR_ENV}, then ue4cli's `ue4 root`"
    build = commands.add_parser("build", help="package the plugin with RunUAT BuildPlugin (needs an engine)")
    build.add_argument("--root", default=".", help="repository root")
    build.add_argument("--engine-dir", help=engine_help)
    build.add_argument("--package-dir", help="output folder (default build/ue/RealtimeNet)")
    build.add_argument("--target-platforms", help="e.g. Win64+Linux (default: this platform)")
    build.add_argument("extra", nargs="*", help="more RunUAT arguments, after --")
    build.set_defaults(func=cmd_build)

    test = commands.add_parser("test", help="run the automation tests headless against a fault-injection gateway")
    test.add_argument("--root", default=".", help="repository root")
    test.add_argument("--engine-dir", help=engine_help)
    test.add_argument("--filter", default=DEFAULT_TEST_FILTER, help="test path prefix (default %(default)s)")
    test.add_argument("--report-dir", help="where the editor exports index.json (default build/ue/automation)")
    test.add_argument("--junit", help="JUnit XML output (default <report-dir>/junit.xml)")
    test.add_argument("--no-gateway", action="store_true", help="do not start `rtnet serve` in fault mode first")
    test.add_argument("--gateway-config", help="TOML configuration for that gateway")
    test.add_argument("--timeout", type=float, default=3600.0, help="seconds before the editor is stopped")
    test.add_argument("--with-rhi", action="store_true", help="render (no -nullrhi), e.g. for screenshot tests")
    test.add_argument("extra", nargs="*", help="more editor arguments, after --")
    test.set_defaults(func=cmd_test)

    from realtimenet.ue.package import DEFAULT_COPYRIGHT, DEFAULT_ENGINE_VERSION

    pack = commands.add_parser("package", help="the plugin as a source archive (zip) for projects, engines and Fab")
    pack.add_argument("--root", default=".", help="repository root")
    pack.add_argument("--engine-version", default=DEFAULT_ENGINE_VERSION,
                      help="the engine the archive is for: its descriptor's EngineVersion (default %(default)s)")
    pack.add_argument("--output", help="the zip to write (default build/ue/package/RealtimeNet-<version>-UE<x.y>.zip)")
    pack.add_argument("--docs-url", help="DocsURL of the descriptor (required unless the .uplugin has one)")
    pack.add_argument("--support-url", help="SupportURL of the descriptor (required unless the .uplugin has one)")
    pack.add_argument("--created-by-url", help="CreatedByURL of the descriptor")
    pack.add_argument("--fab-url",
                      help="FabURL (com.epicgames.launcher://ue/Fab/product/<id>), once the listing exists")
    pack.add_argument("--copyright", default=DEFAULT_COPYRIGHT,
                      help="notice put at the top of source files that have none (default: %(default)s)")
    pack.set_defaults(func=cmd_package)

    compile_check = commands.add_parser(
        "compile-check", help="compile the plugin's C++ against real engine headers (UHT emulated, clang 19, no link)")
    compile_check.add_argument("files", nargs="*", help="only these .cpp files (default: every plugin module's)")
    compile_check.add_argument("--root", default=".", help="repository root")
    compile_check.add_argument("--engine-source", help="engine tree or bare git directory of one (default "
                               "$RTNET_UE_SOURCE, then the newest extracted engine in the cache)")
    compile_check.add_argument("--jobs", "-j", type=int, default=2, help="parallel compiles (default %(default)s)")
    compile_check.add_argument("--output-dir", help="generated headers and definitions (default build/ue-check)")
    compile_check.add_argument("--no-ast-checks", action="store_true",
                               help="compile only: skip the shadowing and export checks")
    compile_check.add_argument("--brief", action="store_true", help="one line per error, without clang's notes")
    compile_check.add_argument("--skip-without-engine", action="store_true",
                               help="print one line and exit 0 when no engine source is available (make test)")
    compile_check.set_defaults(func=cmd_compile_check)

    report = commands.add_parser("report", help="summarise an automation report (index.json or its folder)")
    report.add_argument("path", help="the -ReportExportPath folder or its index.json")
    report.add_argument("--junit", help="also write JUnit XML here")
    report.set_defaults(func=cmd_report)
