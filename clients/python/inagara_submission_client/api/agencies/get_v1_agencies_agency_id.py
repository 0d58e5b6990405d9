from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.agency import Agency
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    agency_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/agencies/{agency_id}".format(
            agency_id=quote(str(agency_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Agency | Problem:
    if response.status_code == 200:
        response_200 = Agency.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[Agency | Problem]:
    """One agency.

    Args:
        agency_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Agency | Problem]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    agency_id: str,
    *,
    client: AuthenticatedClient,
) -> Agency | Problem | None:
    """One agency.

    Args:
        agency_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Agency | Problem
    """

    return sync_detailed(
        agency_id=agency_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    agency_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Agency | Problem]:
    """One agency.

    Args:
        agency_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Agency | Problem]
    """

    kwargs = _get_kwargs(
        agency_id=agency_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    agency_id: str,
    *,
    client: AuthenticatedClient,
) -> Agency | Problem | None:
    """One agency.

    Args:
        agency_id (str):

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
        )
    ).parsed
