"""Where a shared page (balikpapan_pb/shared_pages.py) differs per reader.

{% personal_slot "name" %}...{% endpersonal_slot %}: the contents for a page rendered for its
reader alone; in a shared render, the slot that each reader's fragment named "name" fills.

{% not_for_owner owner_id %}...{% endnot_for_owner %}: contents every reader gets but the one
whose pk is owner_id (the report link under one's own comment)."""

from django import template

from balikpapan_pb import shared_pages

register = template.Library()


class PersonalSlotNode(template.Node):
    def __init__(self, name, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        if shared_pages.is_shared_render(context):
            return shared_pages.slot(self.name.resolve(context))
        return self.nodelist.render(context)


class NotForOwnerNode(template.Node):
    def __init__(self, owner_id, nodelist):
        self.owner_id, self.nodelist = owner_id, nodelist

    def render(self, context):
        owner_id = self.owner_id.resolve(context)
        if owner_id is None:  # no one's (an account deleted)
            return self.nodelist.render(context)
        if shared_pages.is_shared_render(context):
            return shared_pages.owned(owner_id, self.nodelist.render(context))
        user = context.get("user")
        if user is not None and user.is_authenticated and user.pk == owner_id:
            return ""
        return self.nodelist.render(context)


def _block(parser, token, node_class):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one argument")
    nodelist = parser.parse((f"end{bits[0]}",))
    parser.delete_first_token()
    return node_class(parser.compile_filter(bits[1]), nodelist)


@register.tag
def personal_slot(parser, token):
    return _block(parser, token, PersonalSlotNode)


@register.tag
def not_for_owner(parser, token):
    return _block(parser, token, NotForOwnerNode)
