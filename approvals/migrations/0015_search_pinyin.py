"""Search by pinyin and by synonyms (approvals/search.py, approvals/synonyms.py).

`name_pinyin` holds a name's pinyin in full and by initials, written by Python
(approvals.search.pinyin_key) where names are written. The triggers of 0005/0007 now
copy it into `search_text` after each name's key: a main item's text is its key, its
pinyin lines, then each sub-item's key and pinyin lines. The GIN index is unchanged.

SQLite: the column is added in place (ALTER TABLE ADD COLUMN), as in 0013: Django's
table rebuild would drop the search triggers. The triggers are then recreated with
the new text. Existing rows get their pinyin at the end, which the triggers spread.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

from approvals.search import pinyin_key

PINYIN_FIELD = models.TextField(default="", editable=False, verbose_name="名称拼音")

# The lines of one item (own key, then its pinyin when written), in PostgreSQL and in SQLite.
PG_LINES = "approvals_search_key({name}) || CASE WHEN {pinyin} <> '' THEN E'\\n' || {pinyin} ELSE '' END"
SQLITE_LINES = "approvals_search_key({name}) || CASE WHEN {pinyin} <> '' THEN char(10) || {pinyin} ELSE '' END"

POSTGRES = [
    "DROP TRIGGER IF EXISTS approvals_item_search_row ON approvals_approvalitem;",
    "DROP FUNCTION IF EXISTS approvals_item_search_row();",
    "DROP FUNCTION IF EXISTS approvals_item_search_text(bigint, text);",
    f"""
    CREATE FUNCTION approvals_item_search_text(item_id bigint, item_name text, item_pinyin text) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT {PG_LINES.format(name="item_name", pinyin="item_pinyin")} || coalesce(
        (SELECT string_agg(E'\\n' || {PG_LINES.format(name="c.name", pinyin="c.name_pinyin")}, ''
                           ORDER BY c.position, c.id)
         FROM approvals_approvalitem c WHERE c.parent_id = item_id), '')
    $$;
    """,
    """
    CREATE FUNCTION approvals_item_search_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name
         AND NEW.name_pinyin IS NOT DISTINCT FROM OLD.name_pinyin
         AND NEW.search_text IS NOT DISTINCT FROM OLD.search_text THEN
        RETURN NEW;
      END IF;
      NEW.search_text := approvals_item_search_text(NEW.id, NEW.name, NEW.name_pinyin);
      RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER approvals_item_search_row BEFORE INSERT OR UPDATE ON approvals_approvalitem
    FOR EACH ROW EXECUTE FUNCTION approvals_item_search_row();
    """,
    # As in 0005, with a sub-item's new pinyin also refreshing its parent.
    """
    CREATE OR REPLACE FUNCTION approvals_item_search_parents() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE parents bigint[];
    BEGIN
      IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT parent_id) INTO parents FROM new_rows WHERE parent_id IS NOT NULL;
      ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT parent_id) INTO parents FROM old_rows WHERE parent_id IS NOT NULL;
      ELSE
        SELECT array_agg(DISTINCT p) INTO parents FROM (
          SELECT n.parent_id AS p FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.name IS DISTINCT FROM o.name OR n.parent_id IS DISTINCT FROM o.parent_id
             OR n.name_pinyin IS DISTINCT FROM o.name_pinyin
          UNION ALL
          SELECT o.parent_id FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.parent_id IS DISTINCT FROM o.parent_id
        ) changed WHERE p IS NOT NULL;
      END IF;
      IF parents IS NOT NULL THEN
        UPDATE approvals_approvalitem SET search_text = '' WHERE id = ANY(parents);
      END IF;
      RETURN NULL;
    END $$;
    """,
]

SQLITE_TEXT = f"""{SQLITE_LINES.format(name="name", pinyin="name_pinyin")} || coalesce(
    (SELECT group_concat(char(10) || {SQLITE_LINES.format(name="c.name", pinyin="c.name_pinyin")}, '')
     FROM approvals_approvalitem c WHERE c.parent_id = approvals_approvalitem.id), '')"""
SQLITE = [
    'ALTER TABLE "approvals_approvalitem" ADD COLUMN "name_pinyin" text NOT NULL DEFAULT \'\'',
    "DROP TRIGGER IF EXISTS approvals_item_search_inserted;",
    "DROP TRIGGER IF EXISTS approvals_item_search_updated;",
    "DROP TRIGGER IF EXISTS approvals_item_search_deleted;",
    f"""
    CREATE TRIGGER approvals_item_search_inserted AFTER INSERT ON approvals_approvalitem
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT} WHERE id IN (NEW.id, NEW.parent_id);
    END;
    """,
    f"""
    CREATE TRIGGER approvals_item_search_updated
    AFTER UPDATE OF name, parent_id, search_text, name_pinyin ON approvals_approvalitem
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT}
      WHERE id IN (NEW.id, NEW.parent_id, OLD.parent_id);
    END;
    """,
    f"""
    CREATE TRIGGER approvals_item_search_deleted AFTER DELETE ON approvals_approvalitem
    WHEN OLD.parent_id IS NOT NULL
    BEGIN
      UPDATE approvals_approvalitem SET search_text = {SQLITE_TEXT} WHERE id = OLD.parent_id;
    END;
    """,
]

SYNONYMS = [
    ("营业执照", "企业登记"),
    ("身份证", "居民身份证"),
    ("环评", "环境影响评价"),
    ("网约车", "网络预约出租汽车"),
    ("驾照", "驾驶证"),
    ("砍树", "砍伐城市树木"),
    ("危化品", "危险品"),
]
GROUPS = ("经办人", "审核人")
CODES = ("view_searchsynonym", "add_searchsynonym", "change_searchsynonym", "delete_searchsynonym")


def add_pinyin(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        statements = SQLITE
    else:
        model = apps.get_model("approvals", "ApprovalItem")
        field = PINYIN_FIELD.clone()
        field.contribute_to_class(model, "name_pinyin")  # the state before this step has no such field yet
        schema_editor.add_field(model, field)
        statements = POSTGRES
    for statement in statements:
        schema_editor.execute(statement)


def fill_pinyin(apps, schema_editor):
    """Every existing name's pinyin, through the one function that writes it; the triggers do the rest."""
    ApprovalItem = apps.get_model("approvals", "ApprovalItem")
    rows = ApprovalItem.objects.order_by("pk").values_list("pk", "name").iterator(chunk_size=2000)
    batch = []
    for pk, name in rows:
        batch.append(ApprovalItem(pk=pk, name_pinyin=pinyin_key(name)))
        if len(batch) == 2000:
            ApprovalItem.objects.bulk_update(batch, ["name_pinyin"])
            batch = []
    ApprovalItem.objects.bulk_update(batch, ["name_pinyin"])


def seed_synonyms_and_grant(apps, schema_editor):
    SearchSynonym = apps.get_model("approvals", "SearchSynonym")
    SearchSynonym.objects.bulk_create([SearchSynonym(term=t, canonical=c) for t, c in SYNONYMS])
    # Permissions are normally created after all migrations; the clerks' groups need them now (as catalog 0008).
    app_config = apps.get_app_config("approvals")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="approvals", codename__in=CODES)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    # Irreversible: the triggers of 0005/0007 read no pinyin column, and SQLite would rebuild the table.
    dependencies = [
        ("approvals", "0014_county_claims"),
        ("catalog", "0003_groups"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField("approvalitem", "name_pinyin", PINYIN_FIELD)],
            database_operations=[migrations.RunPython(add_pinyin)],
        ),
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "term",
                    models.CharField(
                        help_text="群众搜索时常用的说法，例如“营业执照”。标点和空格不影响匹配。",
                        max_length=50,
                        verbose_name="群众说法",
                    ),
                ),
                (
                    "canonical",
                    models.CharField(
                        help_text="目录中事项名称使用的说法，例如“企业登记”。搜索“群众说法”时，也查找含有它的事项（一分钟内生效）。",
                        max_length=100,
                        verbose_name="目录用语",
                    ),
                ),
            ],
            options={
                "verbose_name": "搜索同义词",
                "verbose_name_plural": "搜索同义词",
                "ordering": ["term", "canonical"],
                "constraints": [models.UniqueConstraint(fields=("term", "canonical"), name="synonym_unique_pair")],
            },
        ),
        migrations.RunPython(fill_pinyin, migrations.RunPython.noop),
        migrations.RunPython(seed_synonyms_and_grant, migrations.RunPython.noop),
    ]
