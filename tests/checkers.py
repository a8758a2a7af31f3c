"""The outside checkers the tests run over the pages: the Nu HTML Checker (vnu.jar, run by Java) and axe-core
(run in Chromium). Both come from the npm registry through package.json (`make checkers`; CI runs it), never
served to visitors. Without them the tests skip, unless CI's REQUIRE_HTML_CHECKER / REQUIRE_AXE demand them."""

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"


def require_html_checker() -> None:
    require("REQUIRE_HTML_CHECKER", shutil.which("java") is not None, "需要 Java 运行 Nu HTML Checker")
    require("REQUIRE_HTML_CHECKER", VNU_JAR.exists(), "需要 Nu HTML Checker：运行 make checkers（npm）")


def html_errors(folder: Path) -> list[str]:
    """Every error the Nu HTML Checker finds in the .html files of `folder`, as "file:line: message"."""
    # One Java run over the whole folder: starting the JVM and loading the checker is most of its cost. Only the
    # quick compiler (C1): a run this short spends more CPU compiling with C2 than C2's code saves; the messages
    # are the same (JIT tiers change speed, not behaviour). Measured: 4.2-4.5 s CPU → 2.1 s for 15 pages.
    java = ["java", "-Xss8m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR)]
    result = subprocess.run(
        [*java, "--format", "json", "--errors-only", "--skip-non-html", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}" for m in messages]


def require_axe() -> None:
    require("REQUIRE_AXE", AXE_SCRIPT.exists(), "需要 axe-core：运行 make checkers（npm）")


def with_axe(context) -> None:
    """axe-core in every page the Playwright `context` opens, before the page's own scripts: the script is handed
    to Chromium once, where adding it to each page afterwards (add_script_tag) cost a fifth of a second a page."""
    context.add_init_script(path=str(AXE_SCRIPT))


def axe_problems(page) -> list[str]:
    """axe-core's violations on a Playwright `page`, and its incomplete results on aria-* rules (an attribute axe
    could not decide on is one a screen reader may not either), as "rule: target" lines. axe is added to the page
    unless its context has it already (`with_axe`)."""
    options = "{resultTypes: ['violations', 'incomplete']}"
    run = f"async () => typeof axe === 'object' ? await axe.run(document, {options}) : null"
    results = page.evaluate(run)
    if results is None:
        page.add_script_tag(path=str(AXE_SCRIPT))
        results = page.evaluate(run)
    problems = [f"{r['id']}: {n['target']}" for r in results["violations"] for n in r["nodes"]]
    problems += [
        f"{r['id']}（未定）: {n['target']}"
        for r in results["incomplete"]
        if r["id"].startswith("aria-")
        for n in r["nodes"]
    ]
    return problems


def public_pages() -> list[str]:
    """One page of each kind a citizen reaches, taken from the official data: the lists (plain, searched, filtered,
    empty, all jurisdictions), an item of each status and a sub-item, a department, the editions, the adjustment,
    the statistics, the alignment, and a page that is not there."""
    from approvals.models import ApprovalItem, Department, ItemStatus
    from catalog.models import Edition

    def item(**where) -> str:
        return ApprovalItem.objects.filter(**where).order_by("code").values_list("code", flat=True).first()

    latest = Edition.objects.latest_published()
    pages = [
        "/",
        "/?q=危险货物",
        "/?q=公章刻制",
        "/?section=returned&item_type=licensing",
        "/?jurisdiction=all",
        f"/items/{item(status=ItemStatus.BUREAU, parent__isnull=True, children__isnull=False)}/",
        f"/items/{item(parent__isnull=False)}/",
        f"/items/{item(status=ItemStatus.RETURNED)}/",
        f"/departments/{Department.objects.filter(is_bureau=False).order_by('position').first().slug}/",
        "/editions/",
        f"/editions/{latest.slug}/",
        "/stats/",
        "/alignment/",
        "/alignment/shuocheng/",
        "/items/SZ-9999/",
    ]
    return pages
