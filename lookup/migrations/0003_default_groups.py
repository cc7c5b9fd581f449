"""perpdesk's two roles as Django groups, the targets of AUTH_GROUP_MAP's default:
Support (look up customers) and Auditors (look up customers, read the audit log)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Support": ["lookup_customers"],
    "Auditors": ["lookup_customers", "view_audit_log"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate): make
    # perpdesk's exist now so the groups can hold them on a fresh database.
    lookup_config = apps.get_app_config("lookup")
    lookup_config.models_module = True
    create_permissions(lookup_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="lookup", codename__in=codenames)
        )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("lookup", "0002_auditentry"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
