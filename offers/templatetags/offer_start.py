"""{% offer_start_form task_area %}: the "File an offer" form on a competition's public page.

Provided by the offers stage so that the competitions stage never imports it: the
announcement page only names this tag."""

from django import template

from ..selectors import organizations_for_user

register = template.Library()


@register.inclusion_tag("offers/_offer_start_form.html", takes_context=True)
def offer_start_form(context, task_area):
    request = context["request"]
    organizations = getattr(request, "_offer_start_organizations", None)
    if organizations is None:
        organizations = (list(organizations_for_user(user=request.user, perm="edit_offers"))
                         if request.user.is_authenticated else [])
        request._offer_start_organizations = organizations
    return {"area": task_area, "organizations": organizations, "csrf_token": context.get("csrf_token"),
            "user": request.user, "next": request.get_full_path()}
