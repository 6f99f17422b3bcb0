"""Finding 2 of issue #15: an organisation that several platforms share is changed by an admin, or by proposal.

A school or CLB is one `Organisation`, listed with the same details on every platform it is a
member of. A coordinator changes the membership (start date, note) of their own platform at once,
and the details of an organisation only when every platform it is or was a member of is theirs;
otherwise the change is an `OrganisationProposal` that an admin accepts (it then shows on every
platform) or rejects with a comment (the coordinators read it on their platform's page).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from platforms.models import Membership, Organisation, OrganisationProposal, Platform, ProposalStatus
from rounds.models import ReportingRound

from .factories import ClbFactory, MembershipFactory, PlatformFactory, SchoolFactory, UserFactory
from .test_query_counts import AUTH


@pytest.fixture
def antwerpen(coordinator):
    return PlatformFactory(code="antwerpen-bao", name="LOP Basisonderwijs Antwerpen", coordinators=[coordinator])


@pytest.fixture
def gent(other_coordinator):
    return PlatformFactory(code="gent-bao", name="LOP Basisonderwijs Gent", coordinators=[other_coordinator])


@pytest.fixture
def school(antwerpen):
    """A school of Antwerpen's platform only."""
    school = SchoolFactory(name="Basisschool De Schelde", instellingsnummer="123456", onderwijsnet="go",
                           municipality="Antwerpen")
    MembershipFactory(platform=antwerpen, organisation=school)
    return school


def _add_url(platform):
    return reverse("platforms:membership_create", kwargs={"code": platform.code})


def _edit_url(membership):
    return reverse("platforms:membership_edit", kwargs={"code": membership.platform.code, "pk": membership.pk})


def _school_post(name="Basisschool Hernoemd", **overrides):
    return {"name": name, "instellingsnummer": "123456", "onderwijsnet": "ovsg", "municipality": "Gent",
            "start_date": "2020-09-01", "note": "Contact via Els", **overrides}


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _decide(client, proposal, decision, comment=""):
    return client.post(reverse("platforms:proposal_decide", kwargs={"pk": proposal.pk}),
                       {"decision": decision, "comment": comment}, follow=True)


@pytest.fixture
def linked_and_renamed(login, other_coordinator, gent, school):
    """The finding's steps: coordinator2 links Antwerpen's school to Gent by its number, then renames it."""
    client = login(other_coordinator)
    response = client.post(_add_url(gent), {"kind": "school", "name": "Een andere naam", "instellingsnummer": "123456",
                                            "onderwijsnet": "katholiek", "municipality": "Gent"})
    assert response.status_code == 302
    membership = gent.memberships.get(organisation=school)
    response = client.post(_edit_url(membership), _school_post(), follow=True)
    assert response.status_code == 200
    return response


# The finding, reproduced -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_school_linked_from_another_platform_keeps_its_name_on_the_first_platform(login, coordinator, antwerpen,
                                                                                   gent, school, linked_and_renamed):
    page = login(coordinator).get(antwerpen.get_absolute_url()).text
    assert "Basisschool De Schelde" in page
    assert "Basisschool Hernoemd" not in page
    school.refresh_from_db()
    assert (school.name, school.onderwijsnet, school.municipality) == ("Basisschool De Schelde", "go", "Antwerpen")
    # Gent's own membership is saved at once: its start date and note are Gent's alone.
    membership = gent.memberships.get(organisation=school)
    assert (membership.start_date, membership.note) == (datetime.date(2020, 9, 1), "Contact via Els")


@pytest.mark.django_db
def test_a_clb_shared_by_two_platforms_cannot_be_renamed_by_one_of_their_coordinators(login, coordinator, antwerpen,
                                                                                     other_coordinator, gent):
    clb = ClbFactory(name="CLB Antwerpen-Gent", instellingsnummer="987654", municipality="Antwerpen")
    MembershipFactory(platform=antwerpen, organisation=clb)
    membership = MembershipFactory(platform=gent, organisation=clb)
    response = login(other_coordinator).post(_edit_url(membership), {"name": "CLB Gent", "instellingsnummer": "987654",
                                                                     "municipality": "Gent"})
    assert response.status_code == 302
    clb.refresh_from_db()
    assert (clb.name, clb.municipality) == ("CLB Antwerpen-Gent", "Antwerpen")
    page = login(coordinator).get(antwerpen.get_absolute_url()).text
    assert "CLB Antwerpen-Gent" in page
    assert "CLB Gent<" not in page


# What the coordinator gets instead: a proposal ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_change_to_a_shared_school_becomes_a_proposal_and_the_coordinator_is_told(other_coordinator, gent, school,
                                                                                     linked_and_renamed):
    proposal = OrganisationProposal.objects.get()
    assert proposal.organisation == school
    assert proposal.platform == gent
    assert proposal.proposed_by == other_coordinator
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.new_values == {"name": "Basisschool Hernoemd", "onderwijsnet": "ovsg", "municipality": "Gent"}
    assert proposal.old_values == {"name": "Basisschool De Schelde", "onderwijsnet": "go", "municipality": "Antwerpen"}
    told = " ".join(_messages(linked_and_renamed))
    assert "Basisschool De Schelde" in told
    assert "Basisschool Hernoemd" in told  # the change, old → new, is named
    # The platform page of the proposer lists it as waiting.
    page = linked_and_renamed.text
    assert "Basisschool Hernoemd" in page
    assert gettext("Pending") in page


@pytest.mark.django_db
def test_the_edit_page_says_beforehand_that_a_change_to_a_shared_member_is_a_proposal(login, other_coordinator, gent,
                                                                                      school, linked_and_renamed):
    membership = gent.memberships.get(organisation=school)
    response = login(other_coordinator).get(_edit_url(membership))
    assert response.context["shared"] is True
    assert [p.organisation for p in response.context["pending"]] == [school]
    assert "Basisschool Hernoemd" in response.text  # the pending proposal is shown


@pytest.mark.django_db
def test_sending_the_same_change_twice_makes_one_proposal(login, other_coordinator, gent, school, linked_and_renamed):
    membership = gent.memberships.get(organisation=school)
    login(other_coordinator).post(_edit_url(membership), _school_post())
    assert OrganisationProposal.objects.count() == 1


@pytest.mark.django_db
def test_editing_only_the_membership_of_a_shared_school_makes_no_proposal(login, other_coordinator, gent, school):
    membership = MembershipFactory(platform=gent, organisation=school)
    response = login(other_coordinator).post(_edit_url(membership), {
        "name": school.name, "instellingsnummer": school.instellingsnummer, "onderwijsnet": school.onderwijsnet,
        "municipality": school.municipality, "note": "Nieuwe contactpersoon",
    })
    assert response.status_code == 302
    assert not OrganisationProposal.objects.exists()
    membership.refresh_from_db()
    assert membership.note == "Nieuwe contactpersoon"


@pytest.mark.django_db
def test_a_proposal_with_a_taken_institution_number_is_refused_next_to_the_field_and_saves_nothing(
        login, other_coordinator, gent, school):
    SchoolFactory(instellingsnummer="654321")
    membership = MembershipFactory(platform=gent, organisation=school)
    response = login(other_coordinator).post(_edit_url(membership), _school_post(instellingsnummer="654321"))
    assert response.status_code == 200
    assert "instellingsnummer" in response.context["form"].errors
    assert not OrganisationProposal.objects.exists()
    membership.refresh_from_db()
    assert membership.note == ""  # nothing half-saved


@pytest.mark.django_db
def test_an_ended_membership_of_another_platform_still_makes_the_organisation_shared(login, coordinator, antwerpen,
                                                                                    gent, school):
    # Gent lists it as a former member, with its name.
    MembershipFactory(platform=gent, organisation=school, end_date=datetime.date(2020, 6, 30))
    membership = antwerpen.memberships.get(organisation=school)
    login(coordinator).post(_edit_url(membership), _school_post())
    school.refresh_from_db()
    assert school.name == "Basisschool De Schelde"
    assert OrganisationProposal.objects.get().platform == antwerpen


# Who changes an organisation directly ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_changes_a_school_of_their_own_platforms_alone_directly(login, coordinator, antwerpen, school):
    # Antwerpen's coordinator also coordinates its secundair platform, where the school is a member too.
    secundair = PlatformFactory(code="antwerpen-so", level="secundair", coordinators=[coordinator])
    MembershipFactory(platform=secundair, organisation=school)
    membership = antwerpen.memberships.get(organisation=school)
    response = login(coordinator).post(_edit_url(membership), _school_post(), follow=True)
    school.refresh_from_db()
    assert (school.name, school.onderwijsnet, school.municipality) == ("Basisschool Hernoemd", "ovsg", "Gent")
    assert not OrganisationProposal.objects.exists()
    assert gettext("The member has been saved.") in _messages(response)


@pytest.mark.django_db
def test_an_admin_changes_a_shared_school_directly(login, admin_user, gent, school):
    membership = MembershipFactory(platform=gent, organisation=school)
    assert login(admin_user).post(_edit_url(membership), _school_post()).status_code == 302
    school.refresh_from_db()
    assert school.name == "Basisschool Hernoemd"
    assert not OrganisationProposal.objects.exists()


@pytest.mark.django_db
def test_linking_a_registered_school_keeps_its_details_and_says_so(login, other_coordinator, gent, school):
    response = login(other_coordinator).post(_add_url(gent), {
        "kind": "school", "name": "Een andere naam", "instellingsnummer": "123456", "onderwijsnet": "katholiek",
        "municipality": "Gent",
    }, follow=True)
    assert gent.memberships.get().organisation == school
    school.refresh_from_db()
    assert (school.name, school.onderwijsnet, school.municipality) == ("Basisschool De Schelde", "go", "Antwerpen")
    assert len(_messages(response)) == 2  # "is now a member" and "keeps its registered details"
    assert not OrganisationProposal.objects.exists()


# The admins decide ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_see_the_pending_proposal_with_old_and_new_values_and_the_platforms_it_affects(
        login, admin_user, antwerpen, gent, school, linked_and_renamed):
    response = login(admin_user).get(reverse("platforms:proposals"))
    assert response.status_code == 200
    page = response.text
    for text in ("Basisschool De Schelde", "Basisschool Hernoemd", "Antwerpen", "Gent",
                 "LOP Basisonderwijs Antwerpen", "LOP Basisonderwijs Gent"):
        assert text in page
    [proposal] = response.context["proposals"]
    assert [(c.old, c.new) for c in proposal.changes] == [
        ("Basisschool De Schelde", "Basisschool Hernoemd"),
        (str(Organisation._meta.get_field("onderwijsnet").flatchoices[0][1]),  # GO!
         str(dict(Organisation._meta.get_field("onderwijsnet").flatchoices)["ovsg"])),
        ("Antwerpen", "Gent"),
    ]


@pytest.mark.django_db
def test_accepting_applies_the_change_on_every_platform_and_raises_the_data_version(
        login, admin_user, coordinator, other_coordinator, antwerpen, gent, school, open_round, linked_and_renamed):
    proposal = OrganisationProposal.objects.get()
    version = ReportingRound.objects.get(pk=open_round.pk).data_version
    response = _decide(login(admin_user), proposal, "accept", "Klopt, nieuwe naam sinds september.")
    assert response.redirect_chain[-1][0] == reverse("platforms:proposals")
    school.refresh_from_db()
    assert (school.name, school.onderwijsnet, school.municipality) == ("Basisschool Hernoemd", "ovsg", "Gent")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.ACCEPTED, admin_user)
    assert proposal.decided_at is not None
    assert ReportingRound.objects.get(pk=open_round.pk).data_version == version + 1
    assert "Basisschool Hernoemd" in login(coordinator).get(antwerpen.get_absolute_url()).text
    # The proposer reads the outcome and the comment on their platform's page.
    page = login(other_coordinator).get(gent.get_absolute_url()).text
    assert gettext("Accepted") in page
    assert "Klopt, nieuwe naam sinds september." in page


@pytest.mark.django_db
def test_rejecting_needs_a_comment_then_changes_nothing_and_the_proposer_reads_why(
        login, admin_user, other_coordinator, gent, school, open_round, linked_and_renamed):
    proposal = OrganisationProposal.objects.get()
    client = login(admin_user)
    response = _decide(client, proposal, "reject", "   ")
    assert response.status_code == 200
    assert "comment" in response.context["form"].errors
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    version = ReportingRound.objects.get(pk=open_round.pk).data_version
    _decide(client, proposal, "reject", "Dit is de naam van de vestiging, niet van de school.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.REJECTED, admin_user)
    school.refresh_from_db()
    assert school.name == "Basisschool De Schelde"
    assert ReportingRound.objects.get(pk=open_round.pk).data_version == version
    page = login(other_coordinator).get(gent.get_absolute_url()).text
    assert gettext("Rejected") in page
    assert "Dit is de naam van de vestiging, niet van de school." in page


@pytest.mark.django_db
def test_a_decided_proposal_cannot_be_decided_again(login, admin_user, school, linked_and_renamed):
    proposal = OrganisationProposal.objects.get()
    client = login(admin_user)
    _decide(client, proposal, "reject", "Nee.")
    response = _decide(client, proposal, "accept")
    assert response.status_code == 200
    assert gettext("This proposal has already been rejected.") in response.context["form"].non_field_errors()
    school.refresh_from_db()
    assert school.name == "Basisschool De Schelde"


@pytest.mark.django_db
def test_accepting_is_refused_when_the_number_was_taken_meanwhile(login, admin_user, other_coordinator, gent, school):
    membership = MembershipFactory(platform=gent, organisation=school)
    login(other_coordinator).post(_edit_url(membership), _school_post(instellingsnummer="777777"))
    proposal = OrganisationProposal.objects.get()
    SchoolFactory(instellingsnummer="777777")
    response = _decide(login(admin_user), proposal, "accept")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    proposal.refresh_from_db()
    school.refresh_from_db()
    assert (proposal.status, school.instellingsnummer, school.name) == (ProposalStatus.PENDING, "123456",
                                                                       "Basisschool De Schelde")


@pytest.mark.django_db
@pytest.mark.parametrize("post", [{}, {"decision": "maybe"}, {"decision": ["accept", "reject"]},
                                  {"decision": "reject", "comment": "x" * 1001}])
def test_a_decision_that_is_neither_accept_nor_reject_is_refused(login, admin_user, school, linked_and_renamed, post):
    proposal = OrganisationProposal.objects.get()
    response = login(admin_user).post(reverse("platforms:proposal_decide", kwargs={"pk": proposal.pk}), post)
    assert response.status_code == 200
    assert response.context["form"].errors
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


# Access ------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["coordinator", "other_coordinator", "ministry_user"])
def test_only_admins_see_and_decide_proposals(request, login, school, linked_and_renamed, role):
    proposal = OrganisationProposal.objects.get()
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("platforms:proposals")).status_code == 403
    url = reverse("platforms:proposal_decide", kwargs={"pk": proposal.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, {"decision": "accept"}).status_code == 403
    proposal.refresh_from_db()
    school.refresh_from_db()
    assert (proposal.status, school.name) == (ProposalStatus.PENDING, "Basisschool De Schelde")


@pytest.mark.django_db
def test_a_missing_proposal_is_404_for_admins(login, admin_user):
    assert login(admin_user).get(reverse("platforms:proposal_decide", kwargs={"pk": 999})).status_code == 404


@pytest.mark.django_db
def test_the_ministry_does_not_see_proposals_on_the_platform_page(login, ministry_user, gent, school,
                                                                  linked_and_renamed):
    response = login(ministry_user).get(gent.get_absolute_url())
    assert response.context["proposals"] == []


@pytest.mark.django_db
def test_proposals_is_no_platform_code():
    platform = Platform(code="proposals", name="X", level="basis", area="X")
    with pytest.raises(ValidationError):
        platform.full_clean()


# The admin home and query counts -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_home_links_to_the_proposals_with_their_count(login, admin_user, school, linked_and_renamed):
    page = login(admin_user).get(reverse("home")).text
    assert reverse("platforms:proposals") in page
    assert '<span class="badge text-bg-light">1<' in page


@pytest.mark.django_db
def test_the_proposals_page_has_a_fixed_number_of_queries(login, admin_user, django_assert_max_num_queries):
    platforms = PlatformFactory.create_batch(5)
    for i in range(20):
        organisation = SchoolFactory()
        for platform in platforms[: 2 + i % 3]:
            MembershipFactory(platform=platform, organisation=organisation)
        proposer = UserFactory()
        OrganisationProposal.objects.create(organisation=organisation, platform=platforms[0], proposed_by=proposer,
                                            old_values={"name": organisation.name}, new_values={"name": f"Nieuw {i}"})
    decided = OrganisationProposal.objects.order_by("pk")[:5]
    for proposal in decided:
        proposal.status, proposal.decided_by = ProposalStatus.REJECTED, admin_user
        proposal.decided_at = proposal.proposed_at
        proposal.save()
    client = login(admin_user)
    # pending proposals with organisation, platform and people; their organisations' memberships with platforms;
    # the recently decided ones
    with django_assert_max_num_queries(AUTH + 3):
        response = client.get(reverse("platforms:proposals"))
    assert len(response.context["proposals"]) == 15
    assert len(response.context["decided"]) == 5
    with django_assert_max_num_queries(AUTH + 2):  # the proposal, its organisation's memberships with platforms
        client.get(reverse("platforms:proposal_decide", kwargs={"pk": decided[0].pk}))


@pytest.mark.django_db
def test_the_platform_page_shows_proposals_in_one_query(login, other_coordinator, gent, django_assert_max_num_queries):
    for i in range(10):
        organisation = SchoolFactory()
        MembershipFactory(platform=gent, organisation=organisation)
        OrganisationProposal.objects.create(organisation=organisation, platform=gent, proposed_by=other_coordinator,
                                            old_values={"name": organisation.name}, new_values={"name": f"Nieuw {i}"})
    client = login(other_coordinator)
    # platform, coordinators, memberships with organisations, the coordinator's own platform ids, proposals
    with django_assert_max_num_queries(AUTH + 5):
        response = client.get(gent.get_absolute_url())
    assert len(response.context["proposals"]) == 10
    assert Membership.objects.filter(platform=gent).count() == 10
