from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.agency import Agency
from ...models.agency_update import AgencyUpdate
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    agency_id: str,
    *,
    body: AgencyUpdate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/agencies/{agency_id}".format(
            agency_id=quote(str(agency_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Agency | Problem:
    if response.status_code == 200:
        response_200 = Agency.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Agency | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: AgencyUpdate,
) -> Response[Agency | Problem]:
    """Change an agency. Its own administrator may change the contact fields and
    whether drafters may submit directly; the secretariat may change all.

    Args:
        agency_id (str):
        body (AgencyUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Agency | Problem]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: AgencyUpdate,
) -> Agency | Problem | None:
    """Change an agency. Its own administrator may change the contact fields and
    whether drafters may submit directly; the secretariat may change all.

    Args:
        agency_id (str):
        body (AgencyUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Agency | Problem
    """

    return sync_detailed(
        agency_id=agency_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: AgencyUpdate,
) -> Response[Agency | Problem]:
    """Change an agency. Its own administrator may change the contact fields and
    whether drafters may submit directly; the secretariat may change all.

    Args:
        agency_id (str):
        body (AgencyUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Agency | Problem]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    agency_id: str,
    *,
    client: AuthenticatedClient,
    body: AgencyUpdate,
) -> Agency | Problem | None:
    """Change an agency. Its own administrator may change the contact fields and
    whether drafters may submit directly; the secretariat may change all.

    Args:
        agency_id (str):
        body (AgencyUpdate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Agency | Problem
    """

    return (
        await asyncio_detailed(
            agency_id=agency_id,
            client=client,
            body=body,
        )
    ).parsed
