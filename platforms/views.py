from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lopportal.forms import add_service_errors, query_text

from . import selectors, services
from .forms import MembershipEndForm, MembershipForm, PlatformForm
from .models import Level
from .permissions import MembershipPolicy, PlatformPolicy


def platform_list(request):
    level = request.GET.get("level") if request.GET.get("level") in Level.values else None
    query = query_text(request, "q")
    platforms = selectors.platform_list(user=request.user, level=level, query=query)
    return render(request, "platforms/platform_list.html", {
        "platforms": platforms, "levels": Level.choices, "level": level, "query": query,
    })


def platform_detail(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    return render(request, "platforms/platform_detail.html", {
        "platform": platform,
        "members": selectors.members_by_kind(platform),
        "can_manage_members": PlatformPolicy.can_manage_members(request.user, platform),
        "can_change": PlatformPolicy.can_change(request.user, platform),
    })


@require_http_methods(["GET", "POST"])
def platform_edit(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    if not PlatformPolicy.can_change(request.user, platform):
        raise PermissionDenied
    initial = {
        "name": platform.name, "level": platform.level, "area": platform.area,
        "coordinators": list(platform.coordinators.all()), "is_active": platform.is_active,
    }
    form = PlatformForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.platform_update(actor=request.user, platform=platform, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The platform has been saved."))
            return redirect(platform)
    return render(request, "platforms/platform_form.html", {"platform": platform, "form": form})


@require_http_methods(["GET", "POST"])
def membership_create(request, code):
    platform = selectors.platform_get(user=request.user, code=code)
    if not PlatformPolicy.can_manage_members(request.user, platform):
        raise PermissionDenied
    form = MembershipForm(request.POST if request.method == "POST" else None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_create(actor=request.user, platform=platform, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now a member.") % {"name": membership.organisation.name})
            return redirect(platform)
    return render(request, "platforms/membership_form.html", {"platform": platform, "form": form})


@require_http_methods(["GET", "POST"])
def membership_edit(request, code, pk):
    platform = selectors.platform_get(user=request.user, code=code)
    membership = selectors.membership_get(user=request.user, platform=platform, pk=pk)
    if not MembershipPolicy.can_change(request.user, membership):
        raise PermissionDenied
    organisation = membership.organisation
    initial = {
        "kind": organisation.kind, "name": organisation.name, "instellingsnummer": organisation.instellingsnummer,
        "onderwijsnet": organisation.onderwijsnet, "partner_category": organisation.partner_category,
        "municipality": organisation.municipality, "start_date": membership.start_date, "note": membership.note,
    }
    form = MembershipForm(request.POST if request.method == "POST" else None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        try:
            services.membership_update(actor=request.user, membership=membership, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The member has been saved."))
            return redirect(platform)
    return render(request, "platforms/membership_form.html", {
        "platform": platform, "form": form, "membership": membership,
    })


@require_http_methods(["GET", "POST"])
def membership_end(request, code, pk):
    platform = selectors.platform_get(user=request.user, code=code)
    membership = selectors.membership_get(user=request.user, platform=platform, pk=pk)
    if not MembershipPolicy.can_change(request.user, membership):
        raise PermissionDenied
    form = MembershipEndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_end(actor=request.user, membership=membership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The membership of %(name)s has been ended.")
                             % {"name": membership.organisation.name})
            return redirect(platform)
    return render(request, "platforms/membership_end.html", {
        "platform": platform, "form": form, "membership": membership,
    })
