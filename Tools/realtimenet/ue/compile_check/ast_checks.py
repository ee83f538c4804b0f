"""Checks over the plugin's code that clang's diagnostics do not make, read from clang's own AST.

Why libclang: the compile itself writes clang's AST (``clang++-19 -emit-ast``), and Debian's ``libclang1-19``
(the same clang 19.1.7, driven through LLVM's Python bindings from PyPI, ``clang==19.1.*``) loads it in
milliseconds, engine classes resolved, so the checks see exactly the code the compiler saw and walk only the
plugin's declarations. ``-Xclang -ast-dump=json`` would also work but prints the whole translation unit (the
engine headers make that gigabytes per file) before anything can be filtered; parsing again with libclang
would double the run.

1. MSVC's shadowing errors. UnrealBuildTool passes ``/we4456 /we4458 /we4459`` to MSVC (VCToolChain.cs), so
   a plugin fails to build on Windows where clang's ``-Wshadow`` stays silent. clang already reports a local
   hiding a local, a local or parameter hiding a global or namespace variable, and a non-static member
   function's local or parameter hiding a field of its own class. It does not report (and this check does):
   a parameter or local that hides a data member of any base class (engine classes included), a constructor
   parameter that hides a member, and a static member function's parameter or local that hides a member.
   Lambdas inside member functions count (their scope encloses the class's).
2. Exports across modules. In the editor every module is its own shared library and symbols are hidden
   unless marked ``<MODULE>_API``; a module that calls an out-of-line function of another plugin module that
   neither it nor its class exports links on no platform. Found here: references from one module's code to
   a non-inline function (directly, or through the inline functions it calls, such as ``StaticClass``) of
   another plugin module, and classes derived across modules from a class that is not exported. Reported at
   the class (or the function) that lacks the macro.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from realtimenet.ue.compile_check.check import Diagnostic

LIBCLANG = "/usr/lib/x86_64-linux-gnu/libclang-19.so.1"


@functools.cache
def _cindex() -> Any:
    import clang.cindex as cindex

    if not cindex.Config.loaded:
        cindex.Config.set_library_file(LIBCLANG)
    return cindex


class _Checker:
    def __init__(self, ci: Any, root: Path, plugin: Path) -> None:
        self.ci = ci
        self.kinds = ci.CursorKind
        self.root = root
        self.plugin = plugin
        self.found: dict[tuple[str, int, int, str], None] = {}
        self.members_cache: dict[str, dict[str, str]] = {}
        self.module_cache: dict[str, str | None] = {}

    # -- places ------------------------------------------------------------------------------------------
    def module_of(self, filename: str | None) -> str | None:
        """The plugin module a file belongs to (None outside the plugin)."""
        if not filename:
            return None
        cached = self.module_cache.get(filename)
        if cached is not None or filename in self.module_cache:
            return cached
        path = Path(filename).resolve()
        module = path.relative_to(self.plugin).parts[0] if path.is_relative_to(self.plugin) else None
        self.module_cache[filename] = module
        return module

    def in_plugin(self, cursor: Any) -> bool:
        location = cursor.location
        return location.file is not None and self.module_of(location.file.name) is not None

    def report(self, cursor: Any, message: str) -> None:
        location = cursor.location
        path = Path(location.file.name).resolve()
        try:
            shown = path.relative_to(self.root).as_posix()
        except ValueError:
            shown = str(path)
        self.found.setdefault((shown, location.line, location.column, message))

    # -- walking -----------------------------------------------------------------------------------------
    def run(self, tu: Any) -> None:
        for cursor in tu.cursor.get_children():
            if self.in_plugin(cursor):
                self.declaration(cursor)

    def declaration(self, cursor: Any) -> None:
        kinds = self.kinds
        kind = cursor.kind
        if kind in (kinds.NAMESPACE, kinds.LINKAGE_SPEC, kinds.UNEXPOSED_DECL):
            for child in cursor.get_children():
                if self.in_plugin(child):
                    self.declaration(child)
        elif kind in (kinds.CLASS_DECL, kinds.STRUCT_DECL, kinds.CLASS_TEMPLATE):
            self.derived_across_modules(cursor)
            for child in cursor.get_children():
                if self.in_plugin(child):
                    self.declaration(child)
        elif kind in (kinds.CXX_METHOD, kinds.CONSTRUCTOR, kinds.DESTRUCTOR, kinds.FUNCTION_DECL,
                      kinds.FUNCTION_TEMPLATE, kinds.CONVERSION_FUNCTION):
            self.function(cursor)

    def function(self, cursor: Any) -> None:
        kinds = self.kinds
        owner = cursor.semantic_parent
        members: dict[str, str] = {}
        if owner is not None and owner.kind in (kinds.CLASS_DECL, kinds.STRUCT_DECL, kinds.CLASS_TEMPLATE):
            members = self.members(owner)
            own_fields = {c.spelling for c in owner.get_children() if c.kind == kinds.FIELD_DECL}
            static = cursor.is_static_method()
            constructor = cursor.kind == kinds.CONSTRUCTOR
            for child in cursor.get_children():
                if child.kind == kinds.PARM_DECL:
                    self.shadow(child, members, own_fields, clang_reports=not static and not constructor,
                                what="parameter")
        if not cursor.is_definition():
            return
        module = self.module_of(cursor.location.file.name)
        for node in self.body_nodes(cursor):
            if members and node.kind == kinds.VAR_DECL:
                self.shadow(node, members, set(), clang_reports=False, what="local variable",
                            static=cursor.is_static_method() if cursor.kind == kinds.CXX_METHOD else False)
            elif members and node.kind == kinds.PARM_DECL:
                self.shadow(node, members, set(), clang_reports=False, what="lambda parameter")
            elif node.kind in (kinds.CALL_EXPR, kinds.DECL_REF_EXPR, kinds.MEMBER_REF_EXPR):
                self.reference(node, module)

    def body_nodes(self, cursor: Any) -> Iterator[Any]:
        stack = [c for c in cursor.get_children() if c.kind == self.kinds.COMPOUND_STMT]
        stack += [c for c in cursor.get_children() if c.kind == self.kinds.MEMBER_REF]  # initialiser lists
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.get_children())

    # -- shadowing ---------------------------------------------------------------------------------------
    def members(self, record: Any) -> dict[str, str]:
        """Data members (fields and static data) of a class and all its bases: name -> declaring class."""
        record = record.get_definition() or record
        key = record.get_usr() or record.spelling
        if key in self.members_cache:
            return self.members_cache[key]
        self.members_cache[key] = {}
        found: dict[str, str] = {}
        kinds = self.kinds
        for child in record.get_children():
            if child.kind == kinds.CXX_BASE_SPECIFIER:
                base = child.type.get_declaration()
                if base is not None and base.kind != kinds.NO_DECL_FOUND:
                    for name, owner in self.members(base).items():
                        found.setdefault(name, owner)
        for child in record.get_children():
            if child.kind == kinds.FIELD_DECL or (child.kind == kinds.VAR_DECL and child.spelling):
                found[child.spelling] = record.spelling
        self.members_cache[key] = found
        return found

    def shadow(self, declaration: Any, members: dict[str, str], own_fields: set[str], clang_reports: bool,
               what: str, static: bool = False) -> None:
        name = declaration.spelling
        if not name or name not in members or not self.in_plugin(declaration):
            return
        if clang_reports and name in own_fields:
            return  # clang's -Wshadow already reports this one
        owner = members[name]
        self.report(declaration, f"{what} '{name}' hides the class member '{owner}::{name}' "
                                 "(MSVC C4458, which UnrealBuildTool makes an error: rename it)")

    # -- exports -----------------------------------------------------------------------------------------
    def exported(self, cursor: Any) -> bool:
        """Default visibility on the declaration or an enclosing class (``<MODULE>_API`` on Linux)."""
        kinds = self.kinds
        node = cursor
        while node is not None and node.kind != kinds.TRANSLATION_UNIT:
            for candidate in (node, node.canonical):
                if any(c.kind == kinds.VISIBILITY_ATTR for c in candidate.get_children()):
                    return True
            definition = node.get_definition()
            if definition is not None and any(c.kind == kinds.VISIBILITY_ATTR for c in definition.get_children()):
                return True
            node = node.semantic_parent
            if node is not None and node.kind == kinds.NAMESPACE:
                return False
        return False

    def instantiated(self, cursor: Any) -> bool:
        """True for a template instantiation (clang_getSpecializedCursorTemplate gives its template)."""
        return self.ci.conf.lib.clang_getSpecializedCursorTemplate(cursor) is not None

    def needs_symbol(self, function: Any) -> bool:
        kinds = self.kinds
        if function.kind not in (kinds.CXX_METHOD, kinds.CONSTRUCTOR, kinds.DESTRUCTOR, kinds.FUNCTION_DECL,
                                 kinds.VAR_DECL, kinds.CONVERSION_FUNCTION):
            return False
        if function.kind == kinds.CXX_METHOD and (function.is_pure_virtual_method() or function.is_virtual_method()):
            return False
        parent = function.semantic_parent
        if function.kind == kinds.VAR_DECL and (parent is None or parent.kind not in (
                kinds.CLASS_DECL, kinds.STRUCT_DECL, kinds.NAMESPACE, kinds.TRANSLATION_UNIT)):
            return False
        # Template code (an instantiated member, or a member of an instantiated class) is compiled into
        # every module that uses it.
        if self.instantiated(function) or (parent is not None and self.instantiated(parent)):
            return False
        # Members the compiler declares (implicit constructors, destructor, assignment) are inline.
        if parent is not None and parent.kind in (kinds.CLASS_DECL, kinds.STRUCT_DECL):
            usr = function.get_usr()
            if usr and not any(child.get_usr() == usr for child in parent.get_children()):
                return False
        return True

    def inline_body(self, function: Any) -> Any:
        """The definition of an inline function (defined in a header), else None."""
        definition = function.get_definition()
        if definition is None or definition.location.file is None:
            return None
        if Path(definition.location.file.name).suffix in (".h", ".hpp", ".inl"):
            return definition
        return None

    def reference(self, node: Any, module: str | None) -> None:
        target = node.referenced
        if target is None or module is None:
            return
        self.requires(target, module, node, set())

    def requires(self, target: Any, module: str, use: Any, seen: set[str]) -> None:
        if target.location.file is None:
            return
        owner = self.module_of(target.location.file.name)
        if owner is None or owner == module or not self.needs_symbol(target):
            return
        usr = target.get_usr() or target.spelling
        if usr in seen:
            return
        seen.add(usr)
        if self.exported(target):
            return
        body = self.inline_body(target)
        if body is not None:
            # An inline function is compiled into the caller's module; what it calls must be exported.
            for inner in body.walk_preorder():
                if inner.kind in (self.kinds.CALL_EXPR, self.kinds.DECL_REF_EXPR, self.kinds.MEMBER_REF_EXPR):
                    referenced = inner.referenced
                    if referenced is not None:
                        self.requires(referenced, module, use, seen)
            return
        record = target.semantic_parent
        api = f"{owner.upper()}_API"
        if record is not None and record.kind in (self.kinds.CLASS_DECL, self.kinds.STRUCT_DECL):
            declaration = record.get_definition() or record
            self.report(declaration, f"'{declaration.spelling}' (module {owner}) is used from module {module} "
                                     f"but not exported: add {api} to the class, or to each member used")
        else:
            self.report(target, f"'{target.spelling}' (module {owner}) is used from module {module} but not "
                                f"exported: add {api}")

    def derived_across_modules(self, cursor: Any) -> None:
        module = self.module_of(cursor.location.file.name)
        if module is None or not cursor.is_definition():
            return
        for child in cursor.get_children():
            if child.kind != self.kinds.CXX_BASE_SPECIFIER:
                continue
            base = child.type.get_declaration()
            if base is None or base.location.file is None:
                continue
            owner = self.module_of(base.location.file.name)
            if owner is None or owner == module or self.exported(base):
                continue
            declaration = base.get_definition() or base
            has_out_of_line = any(
                c.kind in (self.kinds.CXX_METHOD, self.kinds.CONSTRUCTOR, self.kinds.DESTRUCTOR)
                and c.get_definition() is None for c in declaration.get_children())
            if has_out_of_line:
                self.report(declaration, f"'{declaration.spelling}' (module {owner}) is derived from in module "
                                         f"{module} but not exported: add {owner.upper()}_API to the class")


def check(ast_file: Path, root: Path) -> list[Diagnostic]:
    """Load one translation unit's AST (written by ``clang++-19 -emit-ast``) and run both checks."""
    from realtimenet.ue.compile_check.check import PLUGIN_DIR, Diagnostic

    ci = _cindex()
    try:
        tu = ci.TranslationUnit.from_ast_file(str(ast_file))
    except ci.TranslationUnitLoadError:
        # libclang refuses an AST whose sources changed since it was written (an edit during the run).
        return [Diagnostic(str(ast_file), 1, 1, "clang's AST could not be loaded (a source file changed during "
                                                "the check?): run it again")]
    checker = _Checker(ci, root.resolve(), (root / PLUGIN_DIR / "Source").resolve())
    checker.run(tu)
    return [Diagnostic(path, line, column, message) for path, line, column, message in checker.found]
