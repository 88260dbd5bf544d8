from django.apps import AppConfig


class LineConfig(AppConfig):
    name = "madoguchi.line"
    label = "line"
    verbose_name = "LINE公式アカウント"

    def ready(self) -> None:
        from madoguchi.citizens.signals import citizen_link_changed

        citizen_link_changed.connect(_switch_rich_menu, dispatch_uid="line.switch_rich_menu")

        from madoguchi.line.retention import register_rules

        register_rules()


def _switch_rich_menu(sender: object, citizen_id: int, linked: bool, **kwargs: object) -> None:
    """A resident linked or unlinked their account: their rich menu follows (in the background)."""
    from madoguchi.citizens.selectors import line_identity_of
    from madoguchi.line.tasks import apply_rich_menu

    identity = line_identity_of(citizen_id=citizen_id)
    if identity is not None:
        apply_rich_menu.enqueue(identity.pk)
