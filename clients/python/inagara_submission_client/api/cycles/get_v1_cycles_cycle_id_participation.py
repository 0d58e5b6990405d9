from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_cycles_cycle_id_participation_format import (
    GetV1CyclesCycleIdParticipationFormat,
)
from ...models.participation import Participation
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    cycle_id: str,
    *,
    format_: GetV1CyclesCycleIdParticipationFormat | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_.value

    params["format"] = json_format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/cycles/{cycle_id}/participation".format(
            cycle_id=quote(str(cycle_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Participation | Problem:
    if response.status_code == 200:
        response_200 = Participation.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Participation | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    cycle_id: str,
    *,
    client: AuthenticatedClient,
    format_: GetV1CyclesCycleIdParticipationFormat | Unset = UNSET,
) -> Response[Participation | Problem]:
    """One agency, one innovation: who has submitted to the cycle, and who has not yet.

     JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Withdrawn
    proposals do not count. An unknown cycle lists every agency with zero.

    Args:
        cycle_id (str):
        format_ (GetV1CyclesCycleIdParticipationFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Participation | Problem]
    """

    kwargs = _get_kwargs(
        cycle_id=cycle_id,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    cycle_id: str,
    *,
    client: AuthenticatedClient,
    format_: GetV1CyclesCycleIdParticipationFormat | Unset = UNSET,
) -> Participation | Problem | None:
    """One agency, one innovation: who has submitted to the cycle, and who has not yet.

     JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Withdrawn
    proposals do not count. An unknown cycle lists every agency with zero.

    Args:
        cycle_id (str):
        format_ (GetV1CyclesCycleIdParticipationFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Participation | Problem
    """

    return sync_detailed(
        cycle_id=cycle_id,
        client=client,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    cycle_id: str,
    *,
    client: AuthenticatedClient,
    format_: GetV1CyclesCycleIdParticipationFormat | Unset = UNSET,
) -> Response[Participation | Problem]:
    """One agency, one innovation: who has submitted to the cycle, and who has not yet.

     JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Withdrawn
    proposals do not count. An unknown cycle lists every agency with zero.

    Args:
        cycle_id (str):
        format_ (GetV1CyclesCycleIdParticipationFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Participation | Problem]
    """

    kwargs = _get_kwargs(
        cycle_id=cycle_id,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cycle_id: str,
    *,
    client: AuthenticatedClient,
    format_: GetV1CyclesCycleIdParticipationFormat | Unset = UNSET,
) -> Participation | Problem | None:
    """One agency, one innovation: who has submitted to the cycle, and who has not yet.

     JSON by default; CSV with `?format=csv` or `Accept: text/csv`. Withdrawn
    proposals do not count. An unknown cycle lists every agency with zero.

    Args:
        cycle_id (str):
        format_ (GetV1CyclesCycleIdParticipationFormat | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Participation | Problem
    """

    return (
        await asyncio_detailed(
            cycle_id=cycle_id,
            client=client,
            format_=format_,
        )
    ).parsed
